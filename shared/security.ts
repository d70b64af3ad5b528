/**
 * The renderer's Content Security Policy, used by the desktop app (app:// responses) and browser
 * mode alike: only our own scripts and styles, no eval, no remote content, no frames.
 * `style-src 'unsafe-inline'` is needed because recharts sets inline style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
