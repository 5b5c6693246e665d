// CBLAS from OpenBLAS (Debian: libopenblas-dev; include path from pkg-config openblas).
#include <cblas.h>
