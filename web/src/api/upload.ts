// Uploads go straight from the browser to object storage: the API hands out a presigned URL
// (with the headers it was signed with), the file is PUT there, and its key goes into the gig,
// message or delivery that uses it.
import { api, ApiFailure, unwrap } from "./client";

export type UploadKind = "gig-cover" | "attachment" | "delivery" | "profile-picture";

export async function uploadFile(kind: UploadKind, file: File): Promise<string> {
  const body = { content_type: file.type || "application/octet-stream", size: file.size, file_name: file.name };
  const upload = await unwrap(api.POST(`/api/v1/uploads/${kind}`, { body }));
  let answer: Response;
  try {
    answer = await fetch(upload.upload_url, { method: "PUT", headers: upload.headers as Record<string, string>, body: file });
  } catch {
    throw new ApiFailure(0, "upload_failed", "The file could not be sent to storage; check the connection and try again.");
  }
  if (!answer.ok) throw new ApiFailure(answer.status, "upload_failed", `Storage refused the file (${answer.status}); try again.`);
  return upload.key;
}
