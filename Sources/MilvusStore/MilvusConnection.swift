// MilvusConnection: one gRPC client to a Milvus server: calls made synchronously with deadlines, retried with backoff on UNAVAILABLE and deadline errors, statuses checked.
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MilvusProto
import Synchronization

typealias MilvusService = Milvus_Proto_Milvus_MilvusService.Client<HTTP2ClientTransport.Posix>

/// The client side of one Milvus server, shared by every `MilvusStore` opened on it. Each call
/// has a deadline; UNAVAILABLE (server down or restarting) and DEADLINE_EXCEEDED are retried with
/// exponential backoff, then reported naming the server, so a dead server is an error, not a hang.
package final class MilvusConnection: Sendable {
    let address: MilvusAddress
    let options: MilvusStore.Options
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let executor: SerialTaskExecutor
    private let metadata: Metadata

    init(address: MilvusAddress, options: MilvusStore.Options) throws {
        self.address = address
        self.options = options
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(target: .dns(host: address.host, port: address.port),
                                                       transportSecurity: address.tls ? .tls : .plaintext)
        } catch {
            throw MilvusError.badAddress(address.description, reason: "\(error)")
        }
        client = GRPCClient(transport: transport)
        executor = SerialTaskExecutor(label: "localrag.milvus.\(address.server)")
        var metadata: Metadata = [:]
        if let token = address.token { metadata.addString(Data(token.utf8).base64EncodedString(), forKey: "authorization") }
        if !address.database.isEmpty { metadata.addString(address.database, forKey: "dbname") }
        self.metadata = metadata
        Task(executorPreference: executor) { [client] in try? await client.runConnections() }
    }

    deinit { client.beginGracefulShutdown() }

    /// Calls `body` with the service stub, this connection's metadata and call options (deadline
    /// `timeout`, or the default), retrying as described above. `operation` names the call in errors.
    func call<Response: Sendable>(_ operation: String, timeout: Duration? = nil,
                                  _ body: @Sendable @escaping (MilvusService, Metadata, CallOptions) async throws -> Response) throws -> Response {
        var options = CallOptions.defaults
        options.timeout = timeout ?? self.options.timeout
        // Fail at once while the server is down (then back off here) instead of waiting for it.
        options.waitForReady = false
        options.maxRequestMessageBytes = Self.maxMessageBytes
        options.maxResponseMessageBytes = Self.maxMessageBytes
        let service = MilvusService(wrapping: client)
        let metadata = self.metadata
        let callOptions = options
        var attempt = 0
        while true {
            do {
                return try wait { try await body(service, metadata, callOptions) }
            } catch let error as RPCError {
                let transient = error.code == .unavailable || error.code == .deadlineExceeded
                if transient && attempt < self.options.retries {
                    Thread.sleep(forTimeInterval: self.options.backoff * pow(2, Double(attempt)))
                    attempt += 1
                    continue
                }
                let detail = "\(error.code): \(error.message)" + (attempt > 0 ? " (after \(attempt + 1) attempts)" : "")
                throw transient ? MilvusError.unreachable(server: address.server, operation: operation, detail: detail)
                                : MilvusError.rpc(server: address.server, operation: operation, detail: detail)
            }
        }
    }

    /// Throws the server's error when `status` is not a success (code 0).
    func check(_ status: Milvus_Proto_Common_Status, _ operation: String) throws {
        guard status.code == 0 else {
            throw MilvusError.server(address: address.description, operation: operation, code: Int(status.code),
                                     reason: status.reason.isEmpty ? status.detail : status.reason)
        }
    }

    /// Requests and responses up to 64 MiB (gRPC's default is 4 MiB; batches stay well under).
    static let maxMessageBytes = 64 << 20

    /// Runs `operation` on this connection's executor and blocks the calling thread until it ends.
    private func wait<T: Sendable>(_ operation: @Sendable @escaping () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            box.value.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try box.value.withLock { $0! }.get()
    }
}

/// The result of one call, handed from the client's task to the waiting thread.
private final class ResultBox<T: Sendable>: Sendable {
    let value = Mutex<Result<T, any Error>?>(nil)
}
