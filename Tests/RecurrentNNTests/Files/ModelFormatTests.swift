import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// The format registry: `Sequential.load(from:)` hands a file to the registered format that
/// recognizes its first bytes, and to the core's own reader otherwise.
@Suite("Model formats")
struct ModelFormatTests {
    /// A format of this test: files that start with `RCTEST01` hold one float, the value of
    /// every weight of a Dense(2) on 3 features.
    struct ConstantDenseFormat: ModelFormat {
        static let magic = Array("RCTEST01".utf8)
        var name: String { "test constant Dense" }
        func recognizes(prefix: [UInt8]) -> Bool { prefix.starts(with: Self.magic) }
        func loadModel(from url: URL) throws -> Sequential {
            let text = String(decoding: try Data(contentsOf: url).dropFirst(Self.magic.count), as: UTF8.self)
            guard let value = Float(text) else {
                throw RecurrentError.fileFormat(location: url.path, message: "expected a number after the magic, found '\(text)'")
            }
            let model = Sequential { Dense(2) }
            try model.build(inputShape: [3])
            for p in model.parameters { try p.assign(Tensor(shape: p.shape, repeating: value), layer: "dense") }
            return model
        }
    }

    static func file(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-format-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func registeredFormatReadsItsFiles() throws {
        ModelFormats.register(ConstantDenseFormat())
        let url = try Self.file(ConstantDenseFormat.magic + Array("0.5".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let model = try Sequential.load(from: url)
        #expect(model.layers.map(\.typeName) == ["Dense"])
        // x = (1, 2, 3): each output is 0.5·(1 + 2 + 3) + 0.5 = 3.5 before the linear activation.
        let y = try model.predict(try Tensor(shape: [1, 3], data: [1, 2, 3]))
        #expect(y.data == [3.5, 3.5])
        // Its errors come through as they are.
        let bad = try Self.file(ConstantDenseFormat.magic + Array("x".utf8))
        defer { try? FileManager.default.removeItem(at: bad) }
        #expect(throws: RecurrentError.fileFormat(location: bad.path, message: "expected a number after the magic, found 'x'")) {
            try Sequential.load(from: bad)
        }
    }

    @Test func registeringTwiceKeepsOneEntry() {
        ModelFormats.register(ConstantDenseFormat())
        ModelFormats.register(ConstantDenseFormat())
        #expect(ModelFormats.registered.filter { $0.name == ConstantDenseFormat().name }.count == 1)
    }

    @Test func coreFilesAndErrorsAreUnchangedWithAFormatRegistered() throws {
        ModelFormats.register(ConstantDenseFormat())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = Sequential { Embedding(inputDim: 10, outputDim: 4); LSTM(3); Dense(1, activation: .sigmoid) }
        try model.build(inputShape: [5], seed: 7)
        let url = folder.appendingPathComponent("model.rnn")
        try model.save(to: url)
        let x = try Tensor(shape: [2, 5], data: [1, 2, 3, 4, 5, 0, 0, 9, 8, 7])
        #expect(try Sequential.load(from: url).predict(x).data == model.predict(x).data)
        let missing = folder.appendingPathComponent("missing.rnn")
        #expect(throws: RecurrentError.fileFormat(location: missing.path, message: "expected a model file, found no such file")) {
            try Sequential.load(from: missing)
        }
    }
}
