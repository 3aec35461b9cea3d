import { Link, usePathname } from "../lib/router";

export default function NotFound() {
  const pathname = usePathname();
  return (
    <div className="page not-found">
      <p className="eyebrow">404</p>
      <h1>Nothing here</h1>
      <p className="lede">
        There is no page at <code>{pathname}</code>. It may belong to a part that has no page yet.
      </p>
      <p>
        <Link to="/" className="button primary">
          Back to home
        </Link>
      </p>
    </div>
  );
}
