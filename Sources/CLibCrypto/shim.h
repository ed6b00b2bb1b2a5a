// System-library shim: OpenSSL's libcrypto EVP digests (SHA-256 with the CPU's SHA extensions), for checksums.
#include <openssl/evp.h>
