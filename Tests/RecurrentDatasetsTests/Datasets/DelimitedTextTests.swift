import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `DelimitedTextReader` follows pandas' default C parser. The expected records below are what
/// pandas 3.1 `read_csv(io.StringIO(text), dtype=str, keep_default_na=False)` returns for the same
/// text (checked once by hand with that call); the real files are compared with pandas row by row by
/// `scripts/check-nsmc-pandas.py`.
@Suite("Delimited text (pandas rules)")
struct DelimitedTextTests {
    static func records(_ text: String, delimiter: Character = ",", encoding: TextEncoding = .utf8) throws -> [DelimitedTextReader.Record] {
        try DelimitedTextReader.records(
            bytes: Array(text.utf8), file: "t.csv", delimiter: delimiter.asciiValue!, encoding: encoding)
    }

    @Test func quotingLikePandas() throws {
        #expect(try Self.records("a,\"b\"\"c\",d\n")[0].fields == ["a", "b\"c", "d"])
        // Text after a closing quote joins the field (pandas and Python's csv; CSV.swift loses it).
        #expect(try Self.records("a,\"b\"c,d\n")[0].fields == ["a", "bc", "d"])
        // A quote inside an unquoted field is a character.
        #expect(try Self.records("a,b\"c,d\n")[0].fields == ["a", "b\"c", "d"])
        #expect(try Self.records("a,b,\n")[0].fields == ["a", "b", ""])
        #expect(try Self.records("\"ab\"")[0].fields == ["ab"])
        // NSMC's doubly escaped quotes lose one level, as in pandas.read_table.
        let nsmc = try Self.records("1\t\"\"\"a \"\"\"\"b.\"\"\"\"\"\"\"\t0\n", delimiter: "\t")
        #expect(nsmc[0].fields == ["1", "\"a \"\"b.\"\"\"", "0"])
    }

    @Test func lineBreaksAndLineNumbers() throws {
        let records = try Self.records("h1,h2\n\"x\ny\",z\r\nnext,row\rlast,one\n\n\nafter,blank")
        #expect(records.map(\.fields) == [["h1", "h2"], ["x\ny", "z"], ["next", "row"], ["last", "one"], ["after", "blank"]])
        // The quoted line break counts as a line; blank lines are skipped but counted.
        #expect(records.map(\.line) == [1, 2, 4, 5, 8])
        #expect(records.allSatisfy { $0.problem == nil })
    }

    @Test func unterminatedQuoteIsAProblemNotACrash() throws {
        let records = try Self.records("h\n\"a,b\",c\n\"open,x\ny,z\n")
        #expect(records.count == 3)
        #expect(records[2].line == 3)
        #expect(records[2].problem?.contains("still open at the end of the file") == true)
        #expect(records[1].fields == ["a,b", "c"])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id,x\n1,2\n".utf8)
        let records = try DelimitedTextReader.records(bytes: bytes, file: "b.csv", delimiter: UInt8(ascii: ","), encoding: .utf8)
        #expect(records[0].fields == ["id", "x"])
    }

    @Test func invalidUTF8NamesFileAndLine() throws {
        let bytes = Array("id,text\n1,fine\n2,caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect {
            _ = try DelimitedTextReader.records(bytes: bytes, file: "bad.csv", delimiter: UInt8(ascii: ","), encoding: .utf8)
        } throws: { error in
            guard case let .fileFormat(location, message) = error as? RecurrentError else { return false }
            return location == "bad.csv:3" && message.contains("0xE9") && message.contains("UTF-8")
        }
    }

    @Test func latin1DecodesEveryByte() throws {
        let bytes: [UInt8] = Array("v1,v2\nham,".utf8) + [0xE5, 0xA3, 0x39, 0x30, 0x30]
        let records = try DelimitedTextReader.records(bytes: bytes, file: "s.csv", delimiter: UInt8(ascii: ","), encoding: .latin1)
        #expect(records[1].fields == ["ham", "å£900"])
    }
}
