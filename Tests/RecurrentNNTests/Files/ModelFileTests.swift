import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent
#if canImport(Glibc)
import Glibc
#endif

/// Model files: save → load gives bit-identical predictions; the safetensors layout; every kind
/// of damage fails with its own message; writes are atomic.
@Suite("Model files")
struct ModelFileTests {
    /// A fresh folder under the temporary directory, removed by `cleanup`.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-modelfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func cleanup(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// Token ids in `1..<vocabulary` (every fourth row left-padded with zeros), or floats.
    static func input(_ shape: [Int], vocabulary: Int?, seed: UInt64 = 3) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        var x = Tensor(shape: shape)
        for i in 0..<x.count {
            if let v = vocabulary {
                let (row, t) = (i / shape[1], i % shape[1])
                x.data[i] = row % 4 == 1 && t < 2 ? 0 : Float(1 + Int(rng.next() % UInt64(v - 1)))
            } else {
                x.data[i] = rng.uniform(-1, 1)
            }
        }
        return x
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let inputShape: [Int]
        let vocabulary: Int?
        let make: @Sendable () -> Sequential
        var testDescription: String { label }
    }

    /// The lecture's models with small vocabularies, and two stacks that use every layer type.
    static let cases: [Case] = [
        Case(label: "SimpleRNN series", inputShape: [3, 1], vocabulary: nil) { Sequential { SimpleRNN(10); Dense(1) } },
        Case(label: "spam SimpleRNN", inputShape: [12], vocabulary: 60) {
            Sequential { Embedding(inputDim: 60, outputDim: 32); SimpleRNN(32); Dense(1, activation: .sigmoid) }
        },
        Case(label: "Reuters LSTM", inputShape: [10], vocabulary: 50) {
            Sequential { Embedding(inputDim: 50, outputDim: 12); LSTM(12); Dense(46, activation: .softmax) }
        },
        Case(label: "IMDB LSTM", inputShape: [15], vocabulary: 40) {
            Sequential { Embedding(inputDim: 40, outputDim: 12); LSTM(12); Dense(1, activation: .sigmoid) }
        },
        Case(label: "IMDB GRU", inputShape: [15], vocabulary: 40) {
            Sequential { Embedding(inputDim: 40, outputDim: 12); GRU(12); Dense(1, activation: .sigmoid) }
        },
        Case(label: "IMDB Conv1D LSTM", inputShape: [24], vocabulary: 40, make: {
            Sequential {
                Embedding(inputDim: 40, outputDim: 12)
                Dropout(rate: 0.5)
                Conv1D(filters: 8, kernelSize: 5, padding: .valid, activation: .relu)
                MaxPooling1D(poolSize: 4)
                LSTM(7)
                Dense(1, activation: .sigmoid)
            }
        }),
        Case(label: "NSMC LSTM", inputShape: [8], vocabulary: 70) {
            Sequential { Embedding(inputDim: 70, outputDim: 10); LSTM(16); Dense(1, activation: .sigmoid) }
        },
        Case(label: "every layer type, masked", inputShape: [9], vocabulary: 30) {
            Sequential(name: "everything") {
                Embedding(inputDim: 30, outputDim: 6, maskZero: true)
                Dropout(rate: 0.2, seed: 9)
                Bidirectional(LSTM(4, returnSequences: true), mergeMode: .concat)
                Bidirectional(GRU(3, resetAfter: false, returnSequences: true, goBackwards: true), mergeMode: .ave)
                GRU(5, returnSequences: true)
                SimpleRNN(4, activation: .relu, returnSequences: true)
                GlobalAveragePooling1D()
                Dense(3, activation: .softmax, useBias: false)
            }
        },
        Case(label: "every layer type, convolutions", inputShape: [11, 3], vocabulary: nil) {
            Sequential {
                Conv1D(filters: 4, kernelSize: 3, strides: 1, padding: .causal, activation: .tanh)
                Conv1D(filters: 5, kernelSize: 2, padding: .same)
                MaxPooling1D(poolSize: 2, strides: 1, padding: .same)
                Bidirectional(SimpleRNN(3, returnSequences: true), mergeMode: .mul)
                LSTM(4, recurrentActivation: .hardSigmoid, unitForgetBias: false, returnSequences: true)
                GlobalMaxPooling1D()
                Dense(2, activation: .hardSigmoid)
                Dense(1)
            }
        },
    ]

    @Test(arguments: cases)
    func saveLoadPredictsBitIdentically(_ c: Case) throws {
        let dir = try Self.folder()
        defer { Self.cleanup(dir) }
        let model = c.make()
        try model.build(inputShape: c.inputShape, seed: 21)
        // Train one step so that no weight is at its initial value (the biases especially).
        let x = Self.input([6] + c.inputShape, vocabulary: c.vocabulary)
        let out = try model.predict(x)
        let y = Tensor(uncheckedShape: out.shape, data: out.data.map { $0 > 0.5 ? 1 : 0 })
        try model.trainOnBatch(x, y, loss: .meanSquaredError, optimizer: Adam(learningRate: 0.01))
        let url = dir.appendingPathComponent("model.rcnn")
        try model.save(to: url, attachments: ["tokenizer": "{\"word_index\": {\"the\": 1}}"])
        let loaded = try Sequential.load(from: url)
        #expect(loaded.name == model.name)
        #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
        #expect(loaded.layers.map(\.typeName) == model.layers.map(\.typeName))
        #expect(loaded.architecture == model.architecture)
        #expect(loaded.summary() == model.summary())
        for (p, q) in zip(model.namedParameters, loaded.namedParameters) {
            #expect(p.name == q.name)
            #expect(p.parameter.value.data.map(\.bitPattern) == q.parameter.value.data.map(\.bitPattern), "\(p.name)")
        }
        let expected = try model.predict(x), actual = try loaded.predict(x)
        #expect(expected.shape == actual.shape)
        #expect(expected.data.map(\.bitPattern) == actual.data.map(\.bitPattern), "\(c.label): predictions differ")
        #expect(try ModelFile.read(from: url).attachments == ["tokenizer": "{\"word_index\": {\"the\": 1}}"])
    }

    /// Writes `sample_<n>.rcnn` for the two every-layer-type models into the folder named by
    /// `RECURRENT_SAMPLE_MODELS`, each with its Adam state and an attachment `probe` holding an
    /// input and Recurrent's prediction, for `scripts/check_safetensors.py` to read with Python's safetensors and
    /// compare with Keras. Skipped unless the variable is set.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RECURRENT_SAMPLE_MODELS"] != nil))
    func writeSamplesForPython() throws {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["RECURRENT_SAMPLE_MODELS"]!)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (i, c) in Self.cases.suffix(2).enumerated() {
            let model = c.make()
            try model.build(inputShape: c.inputShape, seed: 31)
            let x = Self.input([5] + c.inputShape, vocabulary: c.vocabulary)
            // A few steps towards arbitrary targets, so that the prediction depends on the weights.
            let first = try model.predict(x)
            let target = Tensor(uncheckedShape: first.shape, data: (0..<first.count).map { Float($0 % 2) })
            let adam = Adam(learningRate: 0.05)
            for _ in 0..<20 { try model.trainOnBatch(x, target, loss: .meanSquaredError, optimizer: adam) }
            let y = try model.predict(x)
            func tensor(_ t: Tensor) -> JSONValue {
                ["shape": .array(t.shape.map { .number(Double($0)) }), "data": .array(t.data.map { .number(Double($0)) })]
            }
            let probe: JSONValue = ["input": tensor(x), "output": tensor(y)]
            var file = try model.modelFile()
            file.optimizer = OptimizerState(adam, model: model)
            file.compile = ["loss": "mean_squared_error"]
            file.training = ["epoch": 20]
            file.attachments = ["probe": probe.description]
            try file.write(to: dir.appendingPathComponent("sample_\(i + 1).rcnn"))
        }
    }

    @Test func weightNamesAndOrder() throws {
        let model = Sequential {
            Embedding(inputDim: 10, outputDim: 4)
            Bidirectional(LSTM(3, returnSequences: true))
            GRU(2)
            Dense(1)
        }
        try model.build(inputShape: [5])
        #expect(model.namedParameters.map(\.name) == [
            "embedding/embeddings",
            "bidirectional/forward_lstm/kernel", "bidirectional/forward_lstm/recurrent_kernel", "bidirectional/forward_lstm/bias",
            "bidirectional/backward_lstm/kernel", "bidirectional/backward_lstm/recurrent_kernel", "bidirectional/backward_lstm/bias",
            "gru/kernel", "gru/recurrent_kernel", "gru/bias",
            "dense/kernel", "dense/bias",
        ])
        let file = try model.modelFile()
        #expect(file.weights.map(\.name) == model.namedParameters.map(\.name))
        #expect(file.architecture["config"]?["input_shape"] == [5])
        #expect(file.architecture["config"]?["layers"]?.arrayValue?.map { $0["class_name"] } == ["Embedding", "Bidirectional", "GRU", "Dense"])
        #expect(throws: RecurrentError.notBuilt(layer: "sequential")) { try Sequential { Dense(1) }.modelFile() }
    }

    /// The bytes follow the safetensors layout, read here independently of the library.
    @Test func safetensorsLayout() throws {
        let model = Sequential { Embedding(inputDim: 7, outputDim: 3); LSTM(2); Dense(1) }
        try model.build(inputShape: [4])
        let bytes = try model.modelFile().encoded()
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + n) % 8 == 0, "header padded to a multiple of 8")
        #expect(bytes[8] == UInt8(ascii: "{"))
        let headerText = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(headerText.hasSuffix("}") || headerText.last == " ")
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as! [String: Any]
        let metadata = header["__metadata__"] as! [String: String]
        #expect(metadata["format"] == "recurrent" && metadata["format_version"] == "1")
        #expect(metadata["checksum"]?.hasPrefix("sha256:") == true && metadata["checksum"]?.count == 7 + 64)
        // Tensors: F32, contiguous from 0 in model order, the data ends with the last one.
        var position = 0
        for (name, parameter) in model.namedParameters.map({ ($0.name, $0.parameter) }) {
            let entry = header[name] as! [String: Any]
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["shape"] as? [Int] == parameter.shape)
            let offsets = entry["data_offsets"] as! [Int]
            #expect(offsets == [position, position + 4 * parameter.value.count])
            // Little-endian float32, row-major.
            let start = 8 + n + offsets[0]
            let first = UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16 | UInt32(bytes[start + 3]) << 24
            #expect(Float(bitPattern: first) == parameter.value.data[0])
            position = offsets[1]
        }
        #expect(header.count == model.namedParameters.count + 1)
        #expect(bytes.count == 8 + n + position)
    }

    @Test func optimizerCompileTrainingAndAttachmentsRoundTrip() throws {
        let dir = try Self.folder()
        defer { Self.cleanup(dir) }
        func make() throws -> Sequential {
            let m = Sequential { Embedding(inputDim: 20, outputDim: 4); Bidirectional(GRU(3)); Dense(1, activation: .sigmoid) }
            try m.build(inputShape: [6], seed: 5)
            return m
        }
        let model = try make()
        let adam = Adam(learningRate: 0.01)
        let x = Self.input([8, 6], vocabulary: 20)
        let y = Tensor(uncheckedShape: [8, 1], data: (0..<8).map { Float($0 % 2) })
        for _ in 0..<3 { try model.trainOnBatch(x, y, loss: .binaryCrossentropy, optimizer: adam) }
        var file = try model.modelFile()
        file.optimizer = OptimizerState(adam, model: model)
        file.compile = ["loss": "binary_crossentropy", "metrics": ["accuracy"]]
        file.training = ["epoch": 3, "history": ["loss": [0.7, 0.69, 0.5]], "rng": "0123"]
        file.attachments = ["tokenizer": "{}", "notes": "line 1\nline \"2\"\t\\"]
        let url = dir.appendingPathComponent("checkpoint.rcnn")
        try file.write(to: url)
        let read = try ModelFile.read(from: url)
        #expect(read.architecture == file.architecture)
        #expect(read.compile == file.compile && read.training == file.training && read.attachments == file.attachments)
        #expect(read.weights.map(\.name) == file.weights.map(\.name))
        #expect(read.weights.map(\.tensor) == file.weights.map(\.tensor))
        let state = try #require(read.optimizer)
        #expect(state.typeName == "Adam" && state.iterations == 3 && state.config == adam.config)
        #expect(state.slots.count == 2 * model.namedParameters.count)
        #expect(state.slots.map { "\($0.weight)/\($0.slot)" } == file.optimizer!.slots.map { "\($0.weight)/\($0.slot)" })
        #expect(state.slots.map(\.tensor) == file.optimizer!.slots.map(\.tensor))
        // Resuming: the restored model and optimizer take the same next step as the originals.
        let resumed = try Sequential.make(from: read)
        let adam2 = Adam(learningRate: 0.01)
        try state.restore(into: adam2, model: resumed)
        try model.trainOnBatch(x, y, loss: .binaryCrossentropy, optimizer: adam)
        try resumed.trainOnBatch(x, y, loss: .binaryCrossentropy, optimizer: adam2)
        for (p, q) in zip(model.parameters, resumed.parameters) {
            #expect(p.value.data.map(\.bitPattern) == q.value.data.map(\.bitPattern), "\(p.name) after the resumed step")
        }
        // Slots of weights another model does not have.
        let other = Sequential { Dense(1) }
        try other.build(inputShape: [2])
        #expect(throws: RecurrentError.self) { try state.restore(into: Adam(), model: other) }
    }

    @Test func frozenWeightsStayFrozen() throws {
        let dir = try Self.folder()
        defer { Self.cleanup(dir) }
        let model = Sequential { Embedding(inputDim: 9, outputDim: 3); GlobalAveragePooling1D(); Dense(2) }
        try model.build(inputShape: [4])
        model.layers[0].parameters.forEach { $0.trainable = false }
        let url = dir.appendingPathComponent("frozen.rcnn")
        try model.save(to: url)
        let loaded = try Sequential.load(from: url)
        #expect(loaded.parameters.map(\.trainable) == [false, true, true])
    }

    // MARK: - Damage

    /// The message of the `fileFormat` error `body` throws (or a note that it threw another).
    static func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch let RecurrentError.fileFormat(_, message) {
            return message
        } catch { return "another error: \(error)" }
    }

    static func sampleBytes() throws -> (model: Sequential, bytes: [UInt8], headerLength: Int) {
        let model = Sequential { Embedding(inputDim: 12, outputDim: 4); LSTM(3); Dense(1, activation: .sigmoid) }
        try model.build(inputShape: [5], seed: 2)
        let bytes = try model.modelFile().encoded()
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return (model, bytes, n)
    }

    /// `bytes` with the first occurrence of `old` in them replaced by `new` (same length).
    static func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
        let o = Array(old.utf8), r = Array(new.utf8)
        precondition(o.count == r.count)
        var out = bytes
        for i in 0...(bytes.count - o.count) where Array(bytes[i..<(i + o.count)]) == o {
            out.replaceSubrange(i..<(i + o.count), with: r)
            return out
        }
        Issue.record("'\(old)' not found")
        return out
    }

    @Test func missingEmptyGarbageAndTruncatedFiles() throws {
        let dir = try Self.folder()
        defer { Self.cleanup(dir) }
        let (_, bytes, n) = try Self.sampleBytes()
        let url = dir.appendingPathComponent("broken.rcnn")
        let missing = dir.appendingPathComponent("nothing-here.rcnn")
        #expect(Self.message { try Sequential.load(from: missing) } == "expected a model file, found no such file")
        #expect(Self.message { try Sequential.load(from: dir) } == "expected a model file, found a folder")
        do {
            _ = try Sequential.load(from: missing)
        } catch let RecurrentError.fileFormat(location, _) {
            #expect(location == missing.path)
        }
        func load(_ data: [UInt8]) -> String {
            try? Data(data).write(to: url)
            return Self.message { try Sequential.load(from: url) }
        }
        #expect(load([]) == "expected a model file, found an empty file")
        #expect(load(Array("This is not a model, just some text that someone saved here.\n".utf8))
            .hasPrefix("expected a model file (an 8-byte header length, then a JSON header), found a header length of"))
        var garbage = [UInt8](repeating: 0, count: 64)
        garbage[0] = 40  // a plausible length, but no JSON after it
        #expect(load(garbage) == "expected a JSON header starting with '{', found byte 0")
        // Truncated inside the length, the header, at the end of the header, inside the data.
        #expect(load(Array(bytes.prefix(5))) == "the file is truncated: expected at least 8 bytes (the header length), found 5")
        for cut in [8, 9, 8 + n / 2, 8 + n - 1] {
            #expect(load(Array(bytes.prefix(cut))) == "the file is truncated: the header says \(n) header bytes after the 8-byte length, but only \(cut - 8) bytes follow")
        }
        let dataLength = bytes.count - 8 - n
        for cut in [8 + n, 8 + n + 1, 8 + n + dataLength / 2, bytes.count - 1] {
            #expect(load(Array(bytes.prefix(cut))) == "the file is truncated: the header describes \(dataLength) bytes of tensor data, but only \(cut - 8 - n) follow it")
        }
        // Bytes after the data: the checksum no longer matches.
        #expect(load(bytes + [0]).hasPrefix("the file is corrupted: checksum sha256:"))
        #expect(load(bytes) == "no error")
    }

    @Test func corruptedBytesAreDetected() throws {
        let (_, bytes, n) = try Self.sampleBytes()
        func decode(_ data: [UInt8]) -> String { Self.message { try Sequential.make(from: ModelFile.decode(data, location: "x")) } }
        #expect(decode(bytes) == "no error")
        // One flipped bit in the architecture text of the header, and in the data.
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        let inArchitecture = 8 + header.utf8.distance(from: header.utf8.startIndex, to: header.range(of: "\\\"units\\\"")!.lowerBound) + 3
        for position in [inArchitecture, 8 + n, 8 + n + 17, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0x04
            let m = decode(damaged)
            #expect(m.hasPrefix("the file is corrupted: checksum sha256:"), "flip at \(position): \(m)")
        }
        // A flipped byte that breaks the header's JSON.
        var broken = bytes
        broken[8 + n - 1] = UInt8(ascii: "x")  // a padding space (or the closing brace)
        #expect(decode(broken).hasPrefix("the file is corrupted"))
        // Every byte, flipped alone, makes the file fail to load.
        for position in stride(from: 0, to: bytes.count, by: 3) {
            var damaged = bytes
            damaged[position] ^= 0x01
            #expect(decode(damaged) != "no error", "a flip at byte \(position) went unnoticed")
        }
    }

    @Test func formatVersionAndOtherFiles() throws {
        let (_, bytes, _) = try Self.sampleBytes()
        func decode(_ data: [UInt8]) -> String { Self.message { try ModelFile.decode(data, location: "x") } }
        #expect(decode(Self.replacing("\"format_version\":\"1\"", with: "\"format_version\":\"2\"", in: bytes))
            == "written by a newer Recurrent: format version 2, this build reads 1")
        #expect(decode(Self.replacing("\"format_version\":\"1\"", with: "\"format_version\":\"x\"", in: bytes))
            == "expected a format_version of 1…1, found \"x\"")
        #expect(decode(Self.replacing("\"format\":\"recurrent\"", with: "\"format\":\"pytorch!!\"", in: bytes))
            == "expected a Recurrent model file (metadata \"format\": \"recurrent\"), found format \"pytorch!!\"")
        // A safetensors file from another program (no metadata).
        let header = Array("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".utf8)
        let other = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [0, 0, 128, 63]
        #expect(decode(other) == "expected a Recurrent model file (metadata \"format\": \"recurrent\"), found no format (a safetensors file from another program?)")
        // A header that is not JSON at all (no checksum to be found either).
        let notJSON = Array("{ not json }    ".utf8)
        let text = withUnsafeBytes(of: UInt64(notJSON.count).littleEndian, Array.init) + notJSON
        #expect(decode(text).hasPrefix("expected a JSON header, found bytes that do not parse as JSON: { not json }"))
    }

    @Test func architectureAndWeightsMustFit() throws {
        let (model, bytes, _) = try Self.sampleBytes()
        let file = try ModelFile.decode(bytes, location: "x")
        func make(_ f: ModelFile) -> String { Self.message { try Sequential.make(from: f) } }
        #expect(make(file) == "no error")
        // A weight of another shape, named by layer and weight.
        var misshapen = file
        misshapen.weights[1].tensor = Tensor(shape: [4, 8])
        #expect(make(misshapen) == "layer 'lstm': expected the weight 'lstm/kernel' of shape [4, 12] (from the architecture), found shape [4, 8]")
        var missing = file
        missing.weights.remove(at: 3)
        #expect(make(missing) == "layer 'lstm': expected the weight 'lstm/bias' of shape [12], found none")
        var extra = file
        extra.weights.append(("attention/kernel", Tensor(shape: [2])))
        #expect(make(extra) == "expected only the weights of the architecture, found 'attention/kernel' as well")
        // An unknown layer type, and an invalid configuration.
        var unknown = file
        unknown.architecture = JSONValue.object(["class_name": "Sequential", "config": [
            "name": "sequential", "input_shape": [5],
            "layers": [["class_name": "Attention", "config": ["name": "attention"]]],
        ]])
        #expect(make(unknown).contains("layer 0 of the architecture: layer 'attention': unknown layer type 'Attention'; known: Embedding"))
        var invalid = file
        invalid.architecture = JSONValue.object(["class_name": "Sequential", "config": [
            "input_shape": [5], "layers": [["class_name": "LSTM", "config": ["units": "many"]]],
        ]])
        #expect(make(invalid) == "layer 0 of the architecture: LSTM: key 'units': expected a positive integer, found \"many\"")
        var notSequential = file
        notSequential.architecture = ["class_name": "Functional", "config": [:]]
        #expect(make(notSequential).hasPrefix("expected the architecture {\"class_name\": \"Sequential\""))
        var badShape = file
        badShape.architecture = JSONValue.object(["class_name": "Sequential", "config": [
            "input_shape": [5, 2], "layers": file.architecture["config"]!["layers"]!,
        ]])
        #expect(make(badShape).hasPrefix("the architecture does not build for input shape [5, 2]: embedding"))
        // Through a file, the error names its path.
        let dir = try Self.folder()
        defer { Self.cleanup(dir) }
        let url = dir.appendingPathComponent("misshapen.rcnn")
        try misshapen.write(to: url)
        #expect(throws: RecurrentError.fileFormat(location: url.path, message: make(misshapen))) { try Sequential.load(from: url) }
        _ = model
    }

    // MARK: - Atomic writes

    static func contents(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    @Test func writesAreAtomic() throws {
        let dir = try Self.folder()
        defer { Self.cleanup(dir) }
        let (model, _, _) = try Self.sampleBytes()
        let url = dir.appendingPathComponent("model.rcnn")
        try model.save(to: url)
        let first = try Data(contentsOf: url)
        // Overwriting an existing file leaves exactly that file, with the new contents.
        try model.save(to: url, attachments: ["note": "second"])
        #expect(try Self.contents(dir) == ["model.rcnn"])
        #expect(try Data(contentsOf: url) != first)
        #expect(try ModelFile.read(from: url).attachments == ["note": "second"])
        let second = try Data(contentsOf: url)

        // A write that fails before touching the disk (a NaN in the training JSON).
        var file = try model.modelFile()
        file.training = ["loss": .number(.nan)]
        #expect(throws: RecurrentError.self) { try file.write(to: url) }
        #expect(try Data(contentsOf: url) == second)

        // A folder that does not exist.
        let nowhere = dir.appendingPathComponent("no/such/folder/model.rcnn")
        let m = Self.message { try model.save(to: nowhere) }
        #expect(m.hasPrefix("could not write the file: creating a temporary file in \(dir.path)/no/such/folder failed: No such file or directory"), "\(m)")

        // A rename that fails (the destination is a non-empty folder): the temporary file is
        // removed and the destination left as it was.
        let occupied = dir.appendingPathComponent("occupied.rcnn")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        try Data([1, 2, 3]).write(to: occupied.appendingPathComponent("inside"))
        #expect(Self.message { try model.save(to: occupied) }.hasPrefix("could not write the file: renaming the temporary file to occupied.rcnn failed"))
        #expect(try Self.contents(dir) == ["model.rcnn", "occupied.rcnn"])
        #expect(try Self.contents(occupied) == ["inside"])
        #expect(try Data(contentsOf: url) == second)

        // A read-only folder (root writes there anyway, so only checked for other users).
        #if canImport(Glibc)
        if geteuid() != 0 {
            let locked = dir.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
            let inLocked = locked.appendingPathComponent("model.rcnn")
            try model.save(to: inLocked)
            let before = try Data(contentsOf: inLocked)
            chmod(locked.path, 0o555)
            defer { chmod(locked.path, 0o755) }
            #expect(Self.message { try model.save(to: inLocked, attachments: ["x": "y"]) }.hasPrefix("could not write the file"))
            #expect(try Data(contentsOf: inLocked) == before)
            #expect(try Self.contents(locked) == ["model.rcnn"])
        }
        #endif
    }

    @Test func invalidNamesAreRejectedWhenWriting() throws {
        let t = Tensor(shape: [2])
        let arch: JSONValue = ["class_name": "Sequential", "config": [:]]
        for names in [["a", "a"], ["__metadata__"], ["optimizer/x"], [""]] {
            let file = ModelFile(architecture: arch, weights: names.map { ($0, t) })
            #expect(throws: RecurrentError.self, "\(names)") { try file.encoded() }
        }
        var file = ModelFile(architecture: arch, weights: [("w", t)])
        file.optimizer = OptimizerState(typeName: "Adam", config: [:], iterations: 1, slots: [("v", "momentum", t)])
        #expect(throws: RecurrentError.self) { try file.encoded() }
        file.optimizer = OptimizerState(typeName: "Adam", config: [:], iterations: 1, slots: [("w", "momentum", t)])
        #expect(try ModelFile.decode(file.encoded(), location: "x").optimizer?.slots.map(\.slot) == ["momentum"])
    }
}
