// TrainTestSplit+CSV: splits one CSV file into train and test files the way train_test_split splits a DataFrame.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension TrainTestSplit {
    /// What `splitFile` wrote.
    public struct FileSummary: Sendable, Equatable {
        public var rows: Int
        public var trainRows: Int
        public var testRows: Int
    }

    /// Reads `csv` (header + rows), splits its data rows as `train_test_split(df, test_size,
    /// random_state[, stratify=df[stratifyColumn]])` does, and writes the header and the rows, in the
    /// order scikit-learn returns them, to `train` and `test` (RFC 4180 quoting where needed, LF line
    /// ends). Both files are written under temporary names and renamed only when both are complete.
    @discardableResult
    public static func splitFile(_ csv: URL, testSize: TestSize, randomState: UInt32, stratifyColumn: String? = nil,
                                 train: URL, test: URL) throws -> FileSummary {
        let reader = try CSVReader(url: csv)
        guard let header = try reader.nextNonBlank() else { throw CSVError.empty(file: csv.path) }
        var records: [[String]] = []
        while let r = try reader.nextNonBlank() {
            guard r.fields.count == header.fields.count else {
                throw CSVError.malformedRow(file: csv.path, line: r.line,
                                            reason: "\(r.fields.count) fields where the header has \(header.fields.count)")
            }
            records.append(r.fields)
        }
        var labels: [String]?
        if let stratifyColumn {
            guard let column = header.fields.firstIndex(of: stratifyColumn) else {
                throw SplitError.stratify("\(csv.path):1: no column named \"\(stratifyColumn)\" to stratify by (columns: \(header.fields.joined(separator: ", ")))")
            }
            labels = records.map { $0[column] }
        }
        let split = try TrainTestSplit(rows: records.count, testSize: testSize, randomState: randomState, stratify: labels)
        func body(_ rows: [Int]) -> Data {
            var text = csvLine(header.fields)
            for r in rows { text += csvLine(records[r]) }
            return Data(text.utf8)
        }
        let outputs = [(train, body(split.train)), (test, body(split.test))]
        var temporaries: [URL] = []
        defer { for t in temporaries { try? FileManager.default.removeItem(at: t) } }
        for (url, data) in outputs {
            let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
            do { try data.write(to: tmp) } catch {
                throw CSVError.unwritable(file: url.path, reason: error.localizedDescription)
            }
            temporaries.append(tmp)
        }
        for (i, (url, _)) in outputs.enumerated() {
            guard rename(temporaries[i].path, url.path) == 0 else {
                throw CSVError.unwritable(file: url.path, reason: String(cString: strerror(errno)))
            }
        }
        temporaries.removeAll()
        return FileSummary(rows: records.count, trainRows: split.train.count, testRows: split.test.count)
    }

    /// One CSV record: fields quoted (quotes doubled) only when they hold a comma, quote or line break.
    static func csvLine(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\n"
    }
}
