/** @type {import('next').NextConfig} */
const nextConfig = {
  // The front (lib/server) compresses cached pages once; Next compressing too would hand it gzip.
  compress: false,
  poweredByHeader: false,
  // Native addons: load them from node_modules, never bundle them.
  serverExternalPackages: ['better-sqlite3', '@node-rs/argon2'],
};

export default nextConfig;
