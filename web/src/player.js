// Sound previews: every play button on the page drives this one <audio> element, so one sound
// plays at a time (starting one stops the one before). The server renders a preview on demand
// (GET /api/patches/ID/preview.wav, then from its cache); the element fetches it itself with
// the page's cookie, so the page holds no audio data and CSP needs only media-src 'self'.

const audio = document.createElement("audio");
audio.id = "preview-audio";
audio.preload = "none";
document.body.append(audio);

// state: "idle" | "loading" (asked, the server may be rendering) | "playing"
let current = { key: null, state: "idle" };
export const player = new EventTarget();

export function previewUrl(id, pad = null) {
  return `/api/patches/${encodeURIComponent(id)}/preview.wav${pad ? `?pad=${pad}` : ""}`;
}

function keyOf(id, pad) { return pad ? `${id}:${pad}` : String(id); }

function set(key, state) {
  current = { key, state };
  player.dispatchEvent(new Event("change"));
}

function say(text) {
  document.querySelector("syx-app")?.dispatchEvent(
    new CustomEvent("say", { detail: { text, error: true }, bubbles: true }));
}

// The state of one play button: "idle", "loading" or "playing".
export function stateOf(id, pad = null) {
  return current.key === keyOf(id, pad) ? current.state : "idle";
}

export function stop() {
  if (current.key === null) return;
  audio.pause();
  audio.removeAttribute("src");
  audio.load(); // drops a download still under way
  set(null, "idle");
}

// Play a patch's preview, or stop it when it is the one sounding (or loading).
export function toggle(id, pad = null) {
  const key = keyOf(id, pad);
  if (current.key === key) {
    stop();
    return;
  }
  stop();
  set(key, "loading");
  audio.src = previewUrl(id, pad);
  audio.play().catch((err) => {
    // AbortError: another button took the element before this one started; not a failure.
    if (err.name !== "AbortError" && current.key === key && err.name !== "NotSupportedError") {
      say(`cannot play the preview: ${err.message}`);
      set(null, "idle");
    }
  });
}

audio.addEventListener("playing", () => { if (current.key !== null) set(current.key, "playing"); });
audio.addEventListener("ended", () => set(null, "idle"));
audio.addEventListener("error", async () => {
  const key = current.key;
  if (key === null || !audio.getAttribute("src")) return; // stop() emptied the element
  const url = audio.getAttribute("src");
  set(null, "idle");
  // The element does not say why; the server does (422: "cannot be previewed: …").
  let reason = "the preview could not be played";
  try {
    const res = await fetch(url, { credentials: "same-origin" });
    if (!res.ok) reason = (await res.json()).detail ?? reason;
  } catch { /* keep the general reason */ }
  say(reason);
});
