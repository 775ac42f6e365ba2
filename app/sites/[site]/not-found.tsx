export default function BlogNotFound() {
  return (
    <section className="not-found">
      <p className="status">404</p>
      <h1>Page not found</h1>
      <p>There is no post at this address. It may have been moved or unpublished.</p>
      <p>
        <a href="/">Go to the home page →</a>
      </p>
    </section>
  );
}
