// Entry: the process's start: OpenBLAS's kernels checked (and the process re-executed with faster ones) before any BLAS call.
import LinearAlgebra

@main
enum Entry {
    static func main() async {
        BLASCore.ensureFullSpeed()
        await RAGCommand.main()
    }
}
