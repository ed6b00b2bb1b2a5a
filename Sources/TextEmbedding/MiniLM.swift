// MiniLM: the default model, all-MiniLM-L6-v2: its folder names (the encoder itself is SentenceEncoder, built from any folder).

/// all-MiniLM-L6-v2 as sentence-transformers runs it: BERT (6 layers, hidden 384, 12 heads),
/// mean pooling over every position including [CLS] and [SEP], then L2 normalisation.
public enum MiniLM {
    /// Model folder name under `models/` that `scripts/lib/install-model.sh` fills.
    public static let folderName = "all-MiniLM-L6-v2"
    /// Where `rag train encoder` writes by default, and where `rag compare` looks.
    public static let fineTunedFolder = "models/\(folderName)-finetuned"
}
