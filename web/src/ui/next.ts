// Where to go after signing in: the `next` of the address when it is a path of this site.
export function nextPath(params: URLSearchParams, fallback = "/"): string {
  const next = params.get("next");
  return next && next.startsWith("/") && !next.startsWith("//") ? next : fallback;
}
