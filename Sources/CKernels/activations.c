// Activations over arrays (Activation.apply) and one value (VectorMath's scalar functions).
#include "CKernels.h"
#include "rc_math.h"

RC_CLONES void rc_sigmoid(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = rc_sigmoidf(x[i]);
}

RC_CLONES void rc_tanh(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = rc_tanhf(x[i]);
}

RC_CLONES void rc_exp(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = rc_expf(x[i]);
}

float rc_exp_scalar(float x) { return rc_expf(x); }
float rc_sigmoid_scalar(float x) { return rc_sigmoidf(x); }
float rc_tanh_scalar(float x) { return rc_tanhf(x); }
