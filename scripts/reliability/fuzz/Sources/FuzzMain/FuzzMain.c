// FuzzMain: SwiftPM links an executable's entry point as `<Module>_main` (it renames `main`), so
// libFuzzer's own main is never used; this one hands control to libFuzzer's driver.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int LocalRAGFuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
