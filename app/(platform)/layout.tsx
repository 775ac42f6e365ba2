import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import '@/app/_styles/highlight.css';
import './platform.css';

export const metadata: Metadata = {
  title: 'Quire',
  description: 'Self-hosted blogs, each in its own SQLite file.',
};

export default function PlatformLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
