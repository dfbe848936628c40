// The page talks to the same JSON API that scripts use (/api/openapi.json documents it). The
// token travels as an HttpOnly cookie set when the page was opened with ?token=, so nothing
// here handles secrets.

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

async function send(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    throw new ApiError(res.status, data && data.detail !== undefined ? data.detail : data);
  }
  return data;
}

export const api = {
  get: (path) => send("GET", path),
  post: (path, body) => send("POST", path, body ?? {}),
  put: (path, body) => send("PUT", path, body ?? {}),
  patch: (path, body) => send("PATCH", path, body ?? {}),
  del: (path) => send("DELETE", path),
};

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "" && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function bankPath(name, rest = "") {
  return `/api/banks/${encodeURIComponent(name)}${rest}`;
}

// Upload with progress (fetch has no upload progress): files is a list of {file, path}.
export function upload(files, onProgress) {
  return new Promise((resolveUpload, reject) => {
    const form = new FormData();
    for (const { file, path } of files) form.append("files", file, path || file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/import");
    xhr.withCredentials = true;
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolveUpload(xhr.response);
      else reject(new ApiError(xhr.status, xhr.response?.detail ?? xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, "the server did not answer"));
    xhr.send(form);
  });
}

// A download the browser saves under the server's file name.
export async function download(path, fallbackName, body) {
  const init = body === undefined
    ? { credentials: "same-origin" }
    : { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body) };
  const res = await fetch(path, init);
  if (!res.ok) {
    let detail = res.statusText;
    try { detail = (await res.json()).detail ?? detail; } catch { /* not JSON */ }
    throw new ApiError(res.status, detail);
  }
  const blob = await res.blob();
  const disposition = res.headers.get("Content-Disposition") || "";
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = m ? decodeURIComponent(m[1]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { name, size: blob.size };
}
