// A small C interface to SentencePiece's C++ API (sentencepiece_processor.h and
// sentencepiece_trainer.h), so that Swift can call it without C++ interoperability.
//
// Conventions:
// - Functions that can fail return 0 on success and -1 on failure; on failure `*error` receives a
//   message allocated with malloc (free it with csp_free). On success `*error` is left untouched.
// - Every buffer a function hands out (ids, text, piece lists, serialized models) is allocated
//   with malloc and belongs to the caller: free it with csp_free (csp_free_pieces for piece lists).
// - Text is UTF-8 with an explicit byte count; it need not be NUL-terminated.
// - Ids passed in must lie in [0, csp_piece_size); the Swift wrapper checks this, SentencePiece
//   does not check every path.
#ifndef CSENTENCEPIECE_H
#define CSENTENCEPIECE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A loaded model (a sentencepiece::SentencePieceProcessor). Its const operations are thread-safe.
typedef struct CSPProcessor CSPProcessor;

/// Loads a model file (`*.model`, a serialized ModelProto). NULL on failure.
CSPProcessor *csp_processor_load_file(const char *path, char **error);

/// Loads a model from the bytes of a serialized ModelProto. NULL on failure.
CSPProcessor *csp_processor_load_serialized(const void *bytes, size_t count, char **error);

void csp_processor_free(CSPProcessor *processor);

/// The serialized ModelProto (the bytes of a `*.model` file).
int csp_processor_serialized(const CSPProcessor *processor, void **bytes, size_t *count, char **error);

/// The vocabulary size (number of pieces, including <unk>, <s>, </s> and user symbols).
int csp_piece_size(const CSPProcessor *processor);

/// The piece of `id` (NUL-terminated, owned by the processor, valid while it lives).
const char *csp_id_to_piece(const CSPProcessor *processor, int id);

/// The id of `piece`, or the unknown id when the piece is not in the vocabulary.
int csp_piece_to_id(const CSPProcessor *processor, const char *piece, size_t length);

float csp_score(const CSPProcessor *processor, int id);
int csp_is_unknown(const CSPProcessor *processor, int id);
int csp_is_control(const CSPProcessor *processor, int id);

/// Special ids; -1 when the model disables the symbol.
int csp_unk_id(const CSPProcessor *processor);
int csp_bos_id(const CSPProcessor *processor);
int csp_eos_id(const CSPProcessor *processor);
int csp_pad_id(const CSPProcessor *processor);

/// Encodes UTF-8 text to ids.
int csp_encode_ids(const CSPProcessor *processor, const char *text, size_t length,
                   int **ids, size_t *count, char **error);

/// Samples one segmentation of each of `count` texts (subword regularization, Kudo 2018, SentencePiece's
/// SampleEncode): unigram models sample from the `nbest_size`-best segmentations (< 0: the whole
/// lattice) with probability ∝ P(segmentation)^alpha; BPE models drop merges with probability
/// `alpha`. The same `seed` gives the same samples: SentencePiece draws from a thread-local
/// generator seeded from a process-wide seed when the thread first uses it, so the texts are
/// encoded on a fresh thread, one call at a time. `*ids` receives all ids back to back and
/// `*offsets` `count + 1` offsets into them (text i is ids[offsets[i]..<offsets[i+1]]).
int csp_sample_encode_ids(const CSPProcessor *processor, const char *const *texts, const size_t *lengths,
                          size_t count, int nbest_size, float alpha, unsigned int seed,
                          int **ids, size_t **offsets, char **error);

/// Encodes UTF-8 text to pieces (an array of `*count` NUL-terminated strings).
int csp_encode_pieces(const CSPProcessor *processor, const char *text, size_t length,
                      char ***pieces, size_t *count, char **error);

/// Decodes ids to UTF-8 text (NUL-terminated, `*length` bytes without the NUL).
int csp_decode_ids(const CSPProcessor *processor, const int *ids, size_t count,
                   char **text, size_t *length, char **error);

/// Decodes pieces (NUL-terminated strings) to UTF-8 text.
int csp_decode_pieces(const CSPProcessor *processor, const char *const *pieces, size_t count,
                      char **text, size_t *length, char **error);

/// Trains a model with SentencePieceTrainer::Train(kwargs): `keys[i]` = `values[i]` are trainer
/// flags without the leading dashes (`input`, `vocab_size`, `model_type`, …). The trained model
/// comes back as a serialized ModelProto in `*model` (no files are written for it).
int csp_train(const char *const *keys, const char *const *values, size_t count,
              void **model, size_t *model_count, char **error);

/// Frees a buffer handed out by this interface (error messages, ids, text, models).
void csp_free(void *pointer);

/// Frees a piece list from csp_encode_pieces.
void csp_free_pieces(char **pieces, size_t count);

#ifdef __cplusplus
}
#endif

#endif
