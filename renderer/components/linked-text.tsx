/**
 * A text's web addresses as links that open outside the app: target="_blank" is what the desktop app's window-open
 * handler hands to the system browser (electron/main/guards.ts), and what a browser opens in a new tab.
 */
export function LinkedText({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s)]+[^\s).,;])/);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} target="_blank" rel="noreferrer noopener">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}
