import Crypto
import Foundation

/// The saved state of an optimizer: what `Optimizer.config`, `iterations` and `slots(of:)` give,
/// with each slot tied to its weight by the weight's name in the model file (`lstm/kernel`).
public struct OptimizerState: Sendable {
    /// The Keras class name, e.g. `Adam`.
    public var typeName: String
    /// `Optimizer.config` (Keras `get_config` keys).
    public var config: [String: JSONValue]
    /// Steps taken (Keras `iterations`).
    public var iterations: Int
    /// Per-weight state, e.g. `("lstm/kernel", "momentum", tensor)`; each tensor has its
    /// weight's shape. Stored as the tensor `optimizer/<weight>/<slot>`.
    public var slots: [(weight: String, slot: String, tensor: Tensor)]

    public init(typeName: String, config: [String: JSONValue], iterations: Int,
                slots: [(weight: String, slot: String, tensor: Tensor)]) {
        self.typeName = typeName
        self.config = config
        self.iterations = iterations
        self.slots = slots
    }
}

/// Everything needed to resume work on a model, in one file: the architecture, the weights,
/// the optimizer's state, what the training code puts in `compile` and `training`, and text
/// attachments (e.g. the tokenizer).
///
/// The file uses the safetensors layout (see `SafeTensors`), so Python's `safetensors` reads the
/// weights (`safetensors.numpy.load_file`): the tensors are the weights, named
/// `<layer>/<weight>` (`lstm/kernel`; `bidirectional/forward_lstm/kernel`), in model order,
/// then the optimizer slots, named `optimizer/<weight>/<slot>`. The header's `__metadata__` holds
/// strings:
///
/// | key | value |
/// |---|---|
/// | `format` | `recurrent` |
/// | `format_version` | `1` (`ModelFile.formatVersion`) |
/// | `architecture` | JSON: `{"class_name": "Sequential", "config": {"name", "input_shape", "layers": [{"module", "class_name", "config", "registered_name"}, …]}}` (`Sequential.architecture`) |
/// | `optimizer` | JSON, when saved: `{"class_name", "config", "iterations", "slots": [{"weight", "slot"}, …]}` |
/// | `compile`, `training` | JSON, when saved: opaque to this type |
/// | `attachments` | JSON object of name → text |
/// | `checksum` | `sha256:` and 64 lowercase hex digits: the SHA-256 of the whole file with these 64 digits written as `0` |
///
/// The checksum covers every byte of the file (length, header, padding and data) except its own
/// digits, so any corrupted byte is detected.
public struct ModelFile: Sendable {
    /// The version this build writes, and the newest it reads.
    public static let formatVersion = 1

    /// `{"class_name": "Sequential", "config": {…}}`, see `Sequential.modelFile()`.
    public var architecture: JSONValue
    /// The weights by name (`lstm/kernel`), in model order.
    public var weights: [(name: String, tensor: Tensor)]
    public var optimizer: OptimizerState?
    /// Loss and metrics, as the training code describes them (not interpreted here).
    public var compile: JSONValue?
    /// Epoch, generator states, history, … (not interpreted here).
    public var training: JSONValue?
    /// Named texts, e.g. `"tokenizer"` → its JSON.
    public var attachments: [String: String]

    public init(architecture: JSONValue, weights: [(name: String, tensor: Tensor)], optimizer: OptimizerState? = nil,
                compile: JSONValue? = nil, training: JSONValue? = nil, attachments: [String: String] = [:]) {
        self.architecture = architecture
        self.weights = weights
        self.optimizer = optimizer
        self.compile = compile
        self.training = training
        self.attachments = attachments
    }

    /// Writes the file atomically: a temporary file in the same folder, flushed to the disk, then
    /// renamed over `url`. A failed write throws and leaves any previous file at `url` intact.
    /// - Throws: `invalidConfiguration` for duplicate or reserved tensor names (see `encoded()`);
    ///   `fileFormat` naming `url` when the folder is missing or not writable, or the disk is full.
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    /// Reads a file written by `write(to:)`; nothing is returned unless all of it is valid.
    /// - Throws: `fileFormat` naming the path: no such file; an empty, truncated or garbage file;
    ///   a header that is not JSON; another format or a newer format version; a checksum
    ///   mismatch (a corrupted byte); malformed tensors or metadata.
    public static func read(from url: URL) throws -> ModelFile {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            throw RecurrentError.fileFormat(
                location: url.path,
                message: !exists ? "expected a model file, found no such file"
                    : isFolder.boolValue ? "expected a model file, found a folder"
                    : "could not read the file: \(posixReason(error) ?? error.localizedDescription)")
        }
        return try decode(bytes, location: url.path)
    }

    // MARK: - Encoding

    static let checksumKey = "checksum"
    static let checksumPrefix = "sha256:"
    /// The bytes `"checksum":"sha256:` that precede the 64 digits in the header.
    static let checksumMarker = Array("\"\(checksumKey)\":\"\(checksumPrefix)".utf8)

    /// The file's bytes.
    /// - Throws: `invalidConfiguration` when a weight name is empty, `__metadata__`, starts with
    ///   `optimizer/`, or is used twice, or a slot names no weight of the file; `invalidValue`
    ///   for a NaN or infinite number in the JSON parts (architecture, optimizer configuration,
    ///   compile, training).
    public func encoded() throws -> [UInt8] {
        var tensors: [(name: String, tensor: Tensor)] = []
        var names = Set<String>()
        for (name, tensor) in weights {
            guard !name.isEmpty, name != "__metadata__", !name.hasPrefix("optimizer/"), names.insert(name).inserted else {
                throw RecurrentError.invalidConfiguration(
                    where: "ModelFile", message: "weight name '\(name)' is empty, reserved (__metadata__, optimizer/…) or used twice")
            }
            tensors.append((name, tensor))
        }
        var metadata: [String: String] = [
            "format": "recurrent",
            "format_version": String(Self.formatVersion),
            "architecture": try Self.jsonText(architecture, key: "architecture"),
            "attachments": try Self.jsonText(.object(attachments.mapValues { .string($0) }), key: "attachments"),
            Self.checksumKey: Self.checksumPrefix + String(repeating: "0", count: 64),
        ]
        if let optimizer {
            var slotList: [JSONValue] = []
            for (weight, slot, tensor) in optimizer.slots {
                let name = "optimizer/\(weight)/\(slot)"
                guard names.contains(weight), !slot.isEmpty, names.insert(name).inserted else {
                    throw RecurrentError.invalidConfiguration(
                        where: "ModelFile", message: "optimizer slot '\(slot)' of '\(weight)' names no weight of the file, or is given twice")
                }
                tensors.append((name, tensor))
                slotList.append(["weight": .string(weight), "slot": .string(slot)])
            }
            metadata["optimizer"] = try Self.jsonText([
                "class_name": .string(optimizer.typeName), "config": .object(optimizer.config),
                "iterations": .number(Double(optimizer.iterations)), "slots": .array(slotList),
            ], key: "optimizer")
        }
        if let compile { metadata["compile"] = try Self.jsonText(compile, key: "compile") }
        if let training { metadata["training"] = try Self.jsonText(training, key: "training") }
        var bytes = SafeTensors.encode(tensors: tensors, metadata: metadata)
        // The checksum: SHA-256 of the file with its own digits as zeros, written over them.
        let digits = Self.checksumDigitsRange(in: bytes)!
        let hex = Array(Self.sha256Hex(bytes).utf8)
        bytes.replaceSubrange(digits, with: hex)
        return bytes
    }

    /// Compact JSON text with sorted keys.
    /// - Throws: `invalidValue` naming `key` for a NaN or infinite number (JSON has none).
    static func jsonText(_ value: JSONValue, key: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw RecurrentError.invalidValue(
                where: "ModelFile \(key)", expected: "JSON values (finite numbers only)", found: "a value JSON cannot hold: \(error)")
        }
    }

    /// Where the 64 checksum digits are: after the first `"checksum":"sha256:` in the header.
    static func checksumDigitsRange(in bytes: [UInt8]) -> Range<Int>? {
        guard let header = try? SafeTensors.header(of: bytes, location: "") else { return nil }
        let marker = checksumMarker
        var i = header.startIndex
        while i + marker.count + 64 <= header.endIndex {
            if header[i] == marker[0] && header[i..<(i + marker.count)].elementsEqual(marker) {
                return (i + marker.count)..<(i + marker.count + 64)
            }
            i += 1
        }
        return nil
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let hexDigits = Array("0123456789abcdef")
        return String(SHA256.hash(data: bytes).flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 15)]] })
    }

    // MARK: - Decoding

    /// Decodes the bytes of a model file; `location` names it in errors.
    ///
    /// Checks, in this order: the framing (empty, truncated inside the header, garbage), the
    /// header's JSON, the format and its version (before the checksum: a newer version may
    /// checksum differently), the data length (truncated), the checksum (any corrupted byte),
    /// then every tensor and metadata entry.
    /// - Throws: `fileFormat` naming `location`, saying what was expected and what was found.
    public static func decode(_ bytes: [UInt8], location: String) throws -> ModelFile {
        func fail(_ message: String) -> RecurrentError { .fileFormat(location: location, message: message) }
        let headerBytes = try SafeTensors.header(of: bytes, location: location)
        let header: JSONValue
        do {
            header = try SafeTensors.parseHeader(headerBytes, location: location)
        } catch {
            if checksumDigitsRange(in: bytes) != nil, case let .fileFormat(_, message) = error as? RecurrentError {
                throw fail("the file is corrupted: \(message)")
            }
            throw error
        }
        // Format and version.
        let metadata = header["__metadata__"]
        guard let format = metadata?["format"]?.stringValue, format == "recurrent" else {
            throw fail("expected a Recurrent model file (metadata \"format\": \"recurrent\"), found "
                + (metadata?["format"].map { "format \($0)" } ?? "no format (a safetensors file from another program?)"))
        }
        guard let versionText = metadata?["format_version"]?.stringValue, let version = Int(versionText), version >= 1 else {
            throw fail("expected a format_version of 1…\(formatVersion), found \(metadata?["format_version"]?.description ?? "none")")
        }
        guard version <= formatVersion else {
            throw fail("written by a newer Recurrent: format version \(version), this build reads \(formatVersion)")
        }
        // Truncated data: the largest end offset any tensor entry declares.
        let declared = (header.objectValue ?? [:]).values.compactMap { $0["data_offsets"]?.arrayValue?.last?.intValue }.max() ?? 0
        let available = bytes.count - 8 - headerBytes.count
        guard available >= declared else {
            throw fail("the file is truncated: the header describes \(declared) bytes of tensor data, but only \(available) follow it")
        }
        // Checksum.
        let stored = metadata?[checksumKey]?.stringValue ?? ""
        guard let digits = checksumDigitsRange(in: bytes), stored == checksumPrefix + String(decoding: bytes[digits], as: UTF8.self),
              stored.utf8.dropFirst(checksumPrefix.utf8.count).allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw fail("the file is corrupted: expected a checksum \"sha256:<64 lowercase hex digits>\" in the metadata, found "
                + (stored.isEmpty ? "none" : "'\(stored)'"))
        }
        var zeroed = bytes
        zeroed.replaceSubrange(digits, with: [UInt8](repeating: UInt8(ascii: "0"), count: 64))
        let actual = sha256Hex(zeroed)
        guard stored == checksumPrefix + actual else {
            throw fail("the file is corrupted: checksum \(stored) is stored in the header, but the contents hash to \(checksumPrefix)\(actual)")
        }
        // Tensors and metadata.
        let contents = try SafeTensors.decode(bytes, location: location)
        func json(_ key: String) throws -> JSONValue? {
            guard let text = contents.metadata[key] else { return nil }
            do { return try JSONValue.parse(Array(text.utf8), location: location) } catch {
                throw fail("expected the metadata '\(key)' to be JSON text, found '\(text.prefix(60))'")
            }
        }
        guard let architecture = try json("architecture") else { throw fail("expected an architecture in the metadata, found none") }
        var attachments: [String: String] = [:]
        if let a = try json("attachments") {
            guard let object = a.objectValue else { throw fail("expected the attachments to be a JSON object of texts, found \(a)") }
            for (name, value) in object {
                guard let text = value.stringValue else { throw fail("expected attachment '\(name)' to be a text, found \(value)") }
                attachments[name] = text
            }
        }
        var byName: [String: Tensor] = [:]
        for (name, tensor) in contents.tensors { byName[name] = tensor }
        var optimizer: OptimizerState?
        var slotTensors = Set<String>()
        if let o = try json("optimizer") {
            guard let typeName = o["class_name"]?.stringValue, let config = o["config"]?.objectValue,
                  let iterations = o["iterations"]?.intValue, iterations >= 0, let list = o["slots"]?.arrayValue else {
                throw fail("expected the optimizer metadata {\"class_name\", \"config\", \"iterations\", \"slots\"}, found \(o)")
            }
            var slots: [(weight: String, slot: String, tensor: Tensor)] = []
            for entry in list {
                guard let weight = entry["weight"]?.stringValue, let slot = entry["slot"]?.stringValue else {
                    throw fail("expected an optimizer slot {\"weight\", \"slot\"}, found \(entry)")
                }
                let name = "optimizer/\(weight)/\(slot)"
                guard let tensor = byName[name] else { throw fail("expected the optimizer slot tensor '\(name)', found none") }
                slots.append((weight, slot, tensor))
                slotTensors.insert(name)
            }
            optimizer = OptimizerState(typeName: typeName, config: config, iterations: iterations, slots: slots)
        }
        var weights: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in contents.tensors where !slotTensors.contains(name) {
            guard !name.hasPrefix("optimizer/") else {
                throw fail("tensor '\(name)' is an optimizer slot that the optimizer metadata does not list")
            }
            weights.append((name, tensor))
        }
        return ModelFile(architecture: architecture, weights: weights, optimizer: optimizer,
                         compile: try json("compile"), training: try json("training"), attachments: attachments)
    }
}
