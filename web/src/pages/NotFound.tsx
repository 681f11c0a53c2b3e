// A path the application does not know.
import { Link } from "react-router";
import { useTitle } from "../ui/bits";

export default function NotFound() {
  useTitle("Not found");
  return (
    <section className="narrow">
      <h1>This page does not exist</h1>
      <p>
        The link may be old or mistyped. <Link to="/">Go to the home page</Link> or <Link to="/search">search for gigs</Link>.
      </p>
    </section>
  );
}
