// System-library shim: OpenBLAS's CBLAS interface and LAPACKE, for LinearAlgebra and the solvers above it.
#include <cblas.h>
#include <lapacke.h>
