/** @type {import('next').NextConfig} */
const nextConfig = {
  // The front (lib/server) compresses cached pages once; Next compressing too would hand it gzip.
  compress: false,
  poweredByHeader: false,
  // Metadata (canonical URL, OpenGraph, feeds) always in <head>, never streamed into <body> for
  // some user agents: the front caches one copy of a page for every reader and crawler.
  htmlLimitedBots: /.*/,
  // Native addons, and the worker pool (which starts its threads from its own files): load them
  // from node_modules, never bundle them.
  serverExternalPackages: ['better-sqlite3', '@node-rs/argon2', 'piscina'],
};

export default nextConfig;
