#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A string compared and hashed by its Unicode scalars (its UTF-8 bytes), as Python compares
/// `str`. Swift's `String` equality uses canonical equivalence, so "가" (U+AC00) and its
/// decomposed jamo "가" (U+1100 U+1161) would be one dictionary key in Swift and two in Python;
/// the Tokenizer keys its tables by `Word` so that its vocabulary is exactly Keras's.
struct Word: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: Word, b: Word) -> Bool {
        var x = a.text, y = b.text
        return x.withUTF8 { p in
            y.withUTF8 { q in p.count == q.count && (p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) }
        }
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
