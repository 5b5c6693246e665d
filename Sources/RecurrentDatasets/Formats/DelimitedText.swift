import RecurrentTensor

/// A reader of CSV and TSV files with the rules of pandas' default C parser (`pandas.read_csv` /
/// `read_table` with `quoting=QUOTE_MINIMAL`, `quotechar='"'`, `doublequote=True`, no escape
/// character), which the lecture uses for every file:
///
/// - a field that starts with `"` is quoted: delimiters and line breaks inside it are data, `""`
///   inside it is one `"`, and it ends at the next lone `"`; characters after that closing quote
///   and before the next delimiter are appended to the field (pandas, and Python's `csv` module,
///   do this: `"ab"c` reads `abc`);
/// - a `"` inside an unquoted field is an ordinary character;
/// - records end at `\n`, `\r\n` or a lone `\r`; empty lines are skipped (`skip_blank_lines`);
/// - a UTF-8 byte-order mark at the start of a UTF-8 file is skipped.
///
/// Every record carries the 1-based line where it starts (the header is line 1), so a loader can
/// name a bad row by file and line. A quote still open at the end of the file (pandas raises
/// "EOF inside string") gives a record with `problem` set, holding what was read.
///
/// Parsing works on bytes (`,`, `\t`, `"` and line breaks are ASCII, and no byte of a multi-byte
/// UTF-8 character is ASCII); fields are then decoded with `encoding`.
///
/// Why not a CSV library: yaslab/CSV.swift 2.5.2 (checked against these rules) gives no line
/// numbers, reads `a,"b"c,d` as `["a", "b\",d"]` (the rest of the record is swallowed into one
/// field), silently takes everything after an unterminated quote as one field, and has no latin-1
/// decoding; it also took 5.4 s for NSMC's training file in a debug build.
public struct DelimitedTextReader {
    /// One record: the line it starts on, its fields, and what is wrong with it (nil when fine).
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
        public var problem: String?
    }

    /// The file name used in errors.
    public let file: String
    public let delimiter: UInt8
    public let encoding: TextEncoding
    private let bytes: [UInt8]
    private var position: Int
    private var line = 1
    private var field: [UInt8] = []

    /// A reader of `bytes`.
    /// - Parameters:
    ///   - file: the name used in errors and reports.
    ///   - delimiter: `UInt8(ascii: ",")` for CSV, `UInt8(ascii: "\t")` for TSV.
    public init(bytes: [UInt8], file: String, delimiter: UInt8, encoding: TextEncoding) {
        self.bytes = bytes
        self.file = file
        self.delimiter = delimiter
        self.encoding = encoding
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        position = encoding == .utf8 && bytes.starts(with: bom) ? 3 : 0
    }

    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// The next record, or nil at the end of the file.
    /// - Throws: `RecurrentError.fileFormat` naming `file:line` when a field is not valid in `encoding`.
    public mutating func next() throws -> Record? {
        let end = bytes.count
        // skip_blank_lines: empty lines are not records.
        while position < end, bytes[position] == Self.lf || bytes[position] == Self.cr {
            consumeLineBreak()
        }
        guard position < end else { return nil }
        let startLine = line
        var fields: [String] = []
        field.removeAll(keepingCapacity: true)

        enum State { case startField, unquoted, quoted, quoteInQuoted }
        var state = State.startField
        var problem: String?
        var recordDone = false
        while position < end, !recordDone {
            let byte = bytes[position]
            switch state {
            case .startField, .unquoted:
                if byte == Self.lf || byte == Self.cr {
                    consumeLineBreak()
                    recordDone = true
                } else if byte == delimiter {
                    position += 1
                    fields.append(try decodeField(startLine))
                    state = .startField
                } else if byte == Self.quote && state == .startField {
                    position += 1
                    state = .quoted
                } else {
                    field.append(byte)
                    position += 1
                    state = .unquoted
                }
            case .quoted:
                if byte == Self.quote {
                    position += 1
                    state = .quoteInQuoted
                } else if byte == Self.lf || byte == Self.cr {
                    // A line break inside quotes is data; it still counts as a line of the file.
                    let start = position
                    consumeLineBreak()
                    field.append(contentsOf: bytes[start..<position])
                } else {
                    field.append(byte)
                    position += 1
                }
            case .quoteInQuoted:
                if byte == Self.quote {
                    // "" inside quotes: one literal quote (doublequote=True).
                    field.append(byte)
                    position += 1
                    state = .quoted
                } else if byte == delimiter {
                    position += 1
                    fields.append(try decodeField(startLine))
                    state = .startField
                } else if byte == Self.lf || byte == Self.cr {
                    consumeLineBreak()
                    recordDone = true
                } else {
                    // Text after the closing quote joins the field (pandas' tokenizer, Python's csv).
                    field.append(byte)
                    position += 1
                    state = .unquoted
                }
            }
        }
        if !recordDone, state == .quoted {
            problem = "a quoted field opened on line \(startLine) is still open at the end of the file "
                + "(pandas: \"EOF inside string\")"
        }
        fields.append(try decodeField(startLine))
        return Record(line: startLine, fields: fields, problem: problem)
    }

    /// Consumes `\n`, `\r\n` or a lone `\r` and counts the line.
    private mutating func consumeLineBreak() {
        if bytes[position] == Self.cr, position + 1 < bytes.count, bytes[position + 1] == Self.lf {
            position += 2
        } else {
            position += 1
        }
        line += 1
    }

    private mutating func decodeField(_ startLine: Int) throws -> String {
        defer { field.removeAll(keepingCapacity: true) }
        return try encoding.decode(field, location: "\(file):\(startLine)")
    }

    /// All records of `bytes`.
    public static func records(
        bytes: [UInt8], file: String, delimiter: UInt8, encoding: TextEncoding
    ) throws -> [Record] {
        var reader = DelimitedTextReader(bytes: bytes, file: file, delimiter: delimiter, encoding: encoding)
        var records: [Record] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }
}
