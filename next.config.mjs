/** @type {import('next').NextConfig} */
const nextConfig = {
  // The front (lib/server) compresses cached pages once; Next compressing too would hand it gzip.
  compress: false,
  poweredByHeader: false,
  // better-sqlite3 is a native addon: load it from node_modules, never bundle it.
  serverExternalPackages: ['better-sqlite3'],
};

export default nextConfig;
