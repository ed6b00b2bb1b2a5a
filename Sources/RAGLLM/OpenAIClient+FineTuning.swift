// OpenAIClient+FineTuning: the original's job flow: upload the file (purpose fine-tune), create the job, poll it until it ends.
public import Foundation

extension OpenAIClient {
    /// POST /files with purpose `fine-tune`, one attempt.
    public func uploadFile(_ data: Data, filename: String, purpose: String = "fine-tune") async throws -> UploadedFile {
        var form = MultipartForm()
        form.addField("purpose", purpose)
        form.addFile("file", filename: filename, contentType: "application/jsonl", data: data)
        let body = try await send(method: .POST, path: "/files", body: form.finished(), contentType: form.contentType)
        return try decode(UploadedFile.self, path: "/files", from: body)
    }

    /// POST /fine_tuning/jobs, one attempt.
    public func createFineTuningJob(_ request: FineTuningJobRequest) async throws -> FineTuningJob {
        let body = try await send(method: .POST, path: "/fine_tuning/jobs", body: JSONEncoder().encode(request),
                                  contentType: "application/json")
        return try decode(FineTuningJob.self, path: "/fine_tuning/jobs", from: body)
    }

    /// GET /fine_tuning/jobs/{id}, one attempt.
    public func fineTuningJob(id: String) async throws -> FineTuningJob {
        let path = "/fine_tuning/jobs/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id)
        return try decode(FineTuningJob.self, path: path, from: try await send(method: .GET, path: path, body: nil, contentType: nil))
    }

    /// Polls the job every `interval` seconds (each poll retried by `retry`) until it succeeds,
    /// fails or is cancelled; `onStatus` hears each status change. Throws `LLMError.jobFailed`
    /// unless it succeeded; gives up with `.timeout` after `limit` seconds when one is given.
    public func waitForFineTuningJob(id: String, interval: Double = 30, limit: Double? = nil, retry: RetryPolicy = RetryPolicy(),
                                     onStatus: (FineTuningJob) -> Void = { _ in }) async throws -> FineTuningJob {
        let start = Date()
        var last: String?
        while true {
            let job = try await retry.run { try await fineTuningJob(id: id) }
            if job.status != last { onStatus(job); last = job.status }
            if job.isFinished {
                guard job.status == "succeeded" else {
                    throw LLMError.jobFailed(id: job.id, status: job.status, message: job.error?.message.map(redact))
                }
                return job
            }
            if let limit, Date().timeIntervalSince(start) + interval > limit {
                throw LLMError.timeout(url: baseURL + "/fine_tuning/jobs/" + id, seconds: limit)
            }
            try await Task.sleep(nanoseconds: UInt64(max(0, interval) * 1e9))
        }
    }
}
