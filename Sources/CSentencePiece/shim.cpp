// The C interface of CSentencePiece.h over SentencePiece's C++ API. Every entry point catches C++
// exceptions so that none crosses into Swift; failures become an error message.
#include "CSentencePiece.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <string>
#include <unordered_map>
#include <vector>

struct CSPProcessor {
    sentencepiece::SentencePieceProcessor processor;
};

namespace {

// A malloc'd, NUL-terminated copy of `bytes` (the caller frees it with csp_free).
char *copy_string(const std::string &bytes) {
    char *out = static_cast<char *>(std::malloc(bytes.size() + 1));
    if (out == nullptr) return nullptr;
    std::memcpy(out, bytes.data(), bytes.size());
    out[bytes.size()] = '\0';
    return out;
}

int fail(char **error, const std::string &message) {
    if (error != nullptr) *error = copy_string(message);
    return -1;
}

int check(const sentencepiece::util::Status &status, char **error) {
    if (status.ok()) return 0;
    return fail(error, status.ToString());
}

}  // namespace

extern "C" {

CSPProcessor *csp_processor_load_file(const char *path, char **error) {
    try {
        auto *p = new CSPProcessor();
        if (check(p->processor.Load(path), error) != 0) {
            delete p;
            return nullptr;
        }
        return p;
    } catch (const std::exception &e) {
        fail(error, e.what());
        return nullptr;
    }
}

CSPProcessor *csp_processor_load_serialized(const void *bytes, size_t count, char **error) {
    try {
        auto *p = new CSPProcessor();
        std::string serialized(static_cast<const char *>(bytes), count);
        if (check(p->processor.LoadFromSerializedProto(serialized), error) != 0) {
            delete p;
            return nullptr;
        }
        return p;
    } catch (const std::exception &e) {
        fail(error, e.what());
        return nullptr;
    }
}

void csp_processor_free(CSPProcessor *processor) { delete processor; }

int csp_processor_serialized(const CSPProcessor *processor, void **bytes, size_t *count, char **error) {
    try {
        const std::string serialized = processor->processor.serialized_model_proto();
        void *out = std::malloc(serialized.size() > 0 ? serialized.size() : 1);
        if (out == nullptr) return fail(error, "out of memory");
        std::memcpy(out, serialized.data(), serialized.size());
        *bytes = out;
        *count = serialized.size();
        return 0;
    } catch (const std::exception &e) {
        return fail(error, e.what());
    }
}

int csp_piece_size(const CSPProcessor *processor) { return processor->processor.GetPieceSize(); }

const char *csp_id_to_piece(const CSPProcessor *processor, int id) {
    return processor->processor.IdToPiece(id).c_str();
}

int csp_piece_to_id(const CSPProcessor *processor, const char *piece, size_t length) {
    return processor->processor.PieceToId(std::string(piece, length));
}

float csp_score(const CSPProcessor *processor, int id) { return processor->processor.GetScore(id); }
int csp_is_unknown(const CSPProcessor *processor, int id) { return processor->processor.IsUnknown(id) ? 1 : 0; }
int csp_is_control(const CSPProcessor *processor, int id) { return processor->processor.IsControl(id) ? 1 : 0; }
int csp_unk_id(const CSPProcessor *processor) { return processor->processor.unk_id(); }
int csp_bos_id(const CSPProcessor *processor) { return processor->processor.bos_id(); }
int csp_eos_id(const CSPProcessor *processor) { return processor->processor.eos_id(); }
int csp_pad_id(const CSPProcessor *processor) { return processor->processor.pad_id(); }

int csp_encode_ids(const CSPProcessor *processor, const char *text, size_t length,
                   int **ids, size_t *count, char **error) {
    try {
        std::vector<int> out;
        if (check(processor->processor.Encode(std::string(text, length), &out), error) != 0) return -1;
        int *buffer = static_cast<int *>(std::malloc(sizeof(int) * (out.size() > 0 ? out.size() : 1)));
        if (buffer == nullptr) return fail(error, "out of memory");
        if (!out.empty()) std::memcpy(buffer, out.data(), sizeof(int) * out.size());
        *ids = buffer;
        *count = out.size();
        return 0;
    } catch (const std::exception &e) {
        return fail(error, e.what());
    }
}

int csp_sample_encode_ids(const CSPProcessor *processor, const char *const *texts, const size_t *lengths,
                          size_t count, int nbest_size, float alpha, unsigned int seed,
                          int **ids, size_t **offsets, char **error) {
    // The seed is process-wide and read when a thread first samples: one sampling call at a time.
    static std::mutex sampling;
    try {
        std::lock_guard<std::mutex> lock(sampling);
        std::vector<int> all;
        std::vector<size_t> starts(count + 1, 0);
        std::string message;
        sentencepiece::SetRandomGeneratorSeed(seed);
        std::thread worker([&] {
            try {
                std::vector<int> out;
                for (size_t i = 0; i < count; ++i) {
                    auto status = processor->processor.SampleEncode(std::string(texts[i], lengths[i]), nbest_size, alpha, &out);
                    if (!status.ok()) {
                        message = "text " + std::to_string(i) + ": " + status.ToString();
                        return;
                    }
                    all.insert(all.end(), out.begin(), out.end());
                    starts[i + 1] = all.size();
                }
            } catch (const std::exception &e) {
                message = e.what();
            }
        });
        worker.join();
        if (!message.empty()) return fail(error, message);
        int *idBuffer = static_cast<int *>(std::malloc(sizeof(int) * (all.empty() ? 1 : all.size())));
        size_t *offsetBuffer = static_cast<size_t *>(std::malloc(sizeof(size_t) * (count + 1)));
        if (idBuffer == nullptr || offsetBuffer == nullptr) {
            std::free(idBuffer);
            std::free(offsetBuffer);
            return fail(error, "out of memory");
        }
        if (!all.empty()) std::memcpy(idBuffer, all.data(), sizeof(int) * all.size());
        std::memcpy(offsetBuffer, starts.data(), sizeof(size_t) * (count + 1));
        *ids = idBuffer;
        *offsets = offsetBuffer;
        return 0;
    } catch (const std::exception &e) {
        return fail(error, e.what());
    }
}

int csp_encode_pieces(const CSPProcessor *processor, const char *text, size_t length,
                      char ***pieces, size_t *count, char **error) {
    try {
        std::vector<std::string> out;
        if (check(processor->processor.Encode(std::string(text, length), &out), error) != 0) return -1;
        char **list = static_cast<char **>(std::calloc(out.size() > 0 ? out.size() : 1, sizeof(char *)));
        if (list == nullptr) return fail(error, "out of memory");
        for (size_t i = 0; i < out.size(); ++i) {
            list[i] = copy_string(out[i]);
            if (list[i] == nullptr) {
                csp_free_pieces(list, i);
                return fail(error, "out of memory");
            }
        }
        *pieces = list;
        *count = out.size();
        return 0;
    } catch (const std::exception &e) {
        return fail(error, e.what());
    }
}

namespace {
int hand_out_text(const std::string &decoded, char **text, size_t *length, char **error) {
    char *out = copy_string(decoded);
    if (out == nullptr) return fail(error, "out of memory");
    *text = out;
    *length = decoded.size();
    return 0;
}
}  // namespace

int csp_decode_ids(const CSPProcessor *processor, const int *ids, size_t count,
                   char **text, size_t *length, char **error) {
    try {
        std::vector<int> input(ids, ids + count);
        std::string decoded;
        if (check(processor->processor.Decode(input, &decoded), error) != 0) return -1;
        return hand_out_text(decoded, text, length, error);
    } catch (const std::exception &e) {
        return fail(error, e.what());
    }
}

int csp_decode_pieces(const CSPProcessor *processor, const char *const *pieces, size_t count,
                      char **text, size_t *length, char **error) {
    try {
        std::vector<std::string> input;
        input.reserve(count);
        for (size_t i = 0; i < count; ++i) input.emplace_back(pieces[i]);
        std::string decoded;
        if (check(processor->processor.Decode(input, &decoded), error) != 0) return -1;
        return hand_out_text(decoded, text, length, error);
    } catch (const std::exception &e) {
        return fail(error, e.what());
    }
}

int csp_train(const char *const *keys, const char *const *values, size_t count,
              void **model, size_t *model_count, char **error) {
    try {
        std::unordered_map<std::string, std::string> kwargs;
        for (size_t i = 0; i < count; ++i) kwargs[keys[i]] = values[i];
        std::string serialized;
        if (check(sentencepiece::SentencePieceTrainer::Train(kwargs, nullptr, &serialized), error) != 0) return -1;
        if (serialized.empty()) return fail(error, "SentencePiece returned an empty model");
        void *out = std::malloc(serialized.size());
        if (out == nullptr) return fail(error, "out of memory");
        std::memcpy(out, serialized.data(), serialized.size());
        *model = out;
        *model_count = serialized.size();
        return 0;
    } catch (const std::exception &e) {
        return fail(error, e.what());
    }
}

void csp_free(void *pointer) { std::free(pointer); }

void csp_free_pieces(char **pieces, size_t count) {
    if (pieces == nullptr) return;
    for (size_t i = 0; i < count; ++i) std::free(pieces[i]);
    std::free(pieces);
}

}  // extern "C"
