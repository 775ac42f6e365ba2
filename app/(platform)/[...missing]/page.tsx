import { notFound } from 'next/navigation';

// Any platform address no route claims: show the platform's own 404 page, not Next's bare default.
export default function Missing() {
  notFound();
}
