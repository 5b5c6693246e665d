import Foundation

/// Keras `CSVLogger` (keras/src/callbacks/csv_logger.py): writes one row per epoch to a CSV
/// file: the column `epoch` (0-based), then the logged names sorted (when no `val_` name is
/// logged, the `val_` columns are added anyway and hold `NA`, as Keras). Values are written
/// as Python writes a float (the shortest text that reads back as the same Double). The file is
/// flushed after every row, so an interrupted run keeps its rows.
public final class CSVLogger: Callback {
    /// Its batch hooks read no weights.
    public var readsWeightsEachBatch: Bool { false }
    public let url: URL
    public let separator: String
    public let append: Bool
    private var handle: FileHandle?
    private var keys: [String]?
    private var writeHeader = true

    /// - Parameters:
    ///   - url: the CSV file; its folder must exist.
    ///   - append: add rows to an existing file (without a second header) instead of replacing it.
    public init(_ url: URL, separator: String = ",", append: Bool = false) {
        self.url = url
        self.separator = separator
        self.append = append
    }

    /// - Throws: `fileFormat` naming the file when it cannot be created or opened.
    public func onTrainBegin(model: Sequential) throws {
        let fm = FileManager.default
        writeHeader = true
        if append, fm.fileExists(atPath: url.path) {
            let existing = (try? Data(contentsOf: url)) ?? Data()
            writeHeader = existing.isEmpty
        } else {
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw RecurrentError.fileFormat(location: url.path, message: "cannot create the CSV log (does its folder exist and is it writable?)")
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle?.seekToEnd()
        } catch {
            throw RecurrentError.fileFormat(location: url.path, message: "cannot open the CSV log for writing: \(error)")
        }
        keys = nil
    }

    public func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {
        if keys == nil {
            var k = logs.keys.sorted()
            if !k.contains(where: { $0.hasPrefix("val_") }) && !k.isEmpty { k += k.map { "val_" + $0 } }
            keys = k
        }
        guard let keys, let handle else { return }
        var text = ""
        if writeHeader {
            text += (["epoch"] + keys).joined(separator: separator) + "\r\n"
            writeHeader = false
        }
        let values = keys.map { logs[$0].map { "\($0)" } ?? "NA" }
        text += (["\(epoch)"] + values).joined(separator: separator) + "\r\n"
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch {
            throw RecurrentError.fileFormat(location: url.path, message: "cannot write the CSV log: \(error)")
        }
    }

    public func onTrainEnd(model: Sequential, logs: Logs) throws {
        try? handle?.close()
        handle = nil
    }
}
