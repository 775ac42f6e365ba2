export function OwnerOnly({ what }: { what: string }) {
  return (
    <main className="page">
      <h1>Owners only</h1>
      <p role="alert">{`Only the blog’s owner can ${what}.`}</p>
    </main>
  );
}
