// UploadedFile: a file object of the Files API (POST /files answers with it).

public struct UploadedFile: Codable, Sendable, Equatable {
    public var id: String
    public var filename: String?
    public var bytes: Int?
    public var purpose: String?
    public var status: String?
}
