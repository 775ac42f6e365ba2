import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ['.next/**', 'dist/**', 'node_modules/**', 'data/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts'],
  },
  {
    // Blog pages link with plain <a>: full page loads hit the front's page cache.
    rules: { '@next/next/no-html-link-for-pages': 'off' },
  },
];

export default config;
