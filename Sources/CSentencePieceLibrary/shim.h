// Intentionally empty: SentencePiece's headers are C++ (see module.modulemap). The C interface
// Swift uses is Sources/CSentencePiece/include/CSentencePiece.h.
