import Foundation

extension Sequential {
    /// The text Keras 3 prints for `model.summary()` (keras/src/utils/summary_utils.py, rendered
    /// by rich as a plain-text table), character for character:
    ///
    ///     Model: "sequential"
    ///     ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ///     ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ///     ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    ///     │ embedding (Embedding)           │ (None, 500, 120)       │       600,000 │
    ///     …
    ///     └─────────────────────────────────┴────────────────────────┴───────────────┘
    ///      Total params: 715,801 (2.73 MB)
    ///      Trainable params: 715,801 (2.73 MB)
    ///      Non-trainable params: 0 (0.00 B)
    ///
    /// - Output shapes have `None` for the batch and for an axis of unknown length (a model built
    ///   with `[nil]`: `(None, None, 100)` after an `Embedding`); before `build` a layer shows `?` and
    ///   `0 (unbuilt)`, as Keras does for a model without an input shape.
    /// - Sizes count 4 bytes per float32 weight, in powers of 1024 with two decimals (`13.80 MB`).
    /// - Non-trainable parameters are those whose `Parameter.trainable` is false.
    /// - The optimizer's variables (Keras's "Optimizer params" line after `compile`/`fit`) are
    ///   not shown.
    ///
    /// - Parameter lineLength: the table's total width in characters. Keras's default is
    ///   `min(88, terminal columns − 4)`: 76 whenever its output is not a terminal (Python's
    ///   80-column fallback: notebooks, logs, `print_fn`), which is the default here too; 88 in
    ///   a wide terminal. Columns take 45 %, 35 % and 20 % of it; cells that do not fit wrap at
    ///   spaces, and a word longer than its column ends in `…`, as rich does. Values below 20,
    ///   where Keras raises "Insufficient console width", are taken as 20.
    /// - Returns: the text, ending with a newline. Each character counts as one column (names
    ///   with East Asian wide characters are not laid out as a terminal shows them), and the
    ///   title and total lines are never wrapped (Keras wraps them at its console width, 80
    ///   columns outside a terminal, which only a name of some 70 characters reaches).
    public func summary(lineLength: Int = 76) -> String {
        let built = inputShape != nil && outputShapes.count == layers.count
        let rows: [[String]] = layers.enumerated().map { i, layer in
            let shape = built ? kerasShapeString(outputShapes[i]) : "?"
            let params = layer.isBuilt ? SummaryFormat.grouped(layer.parameterCount) : "0 (unbuilt)"
            return ["\(layer.name) (\(layer.typeName))", shape, params]
        }
        let table = SummaryTable(
            header: ["Layer (type)", "Output Shape", "Param #"], rightAligned: [false, false, true],
            positions: [0.45, 0.80, 1.0], lineLength: max(lineLength, 20))
        let trainable = parameters.filter(\.trainable).reduce(0) { $0 + $1.value.count }
        let frozen = parameters.filter { !$0.trainable }.reduce(0) { $0 + $1.value.count }
        func line(_ label: String, _ count: Int, bytes: Double? = nil) -> String {
            " \(label): \(SummaryFormat.grouped(count)) (\(SummaryFormat.memorySize(bytes: bytes ?? Double(count) * 4)))\n"
        }
        // Keras 3 adds the optimizer's variables once it has taken a step: `iterations` (int64),
        // `learning_rate` (float32) and the slots (keras/src/utils/summary_utils.py).
        var optimizerCount = 0, optimizerBytes = 0.0
        if let optimizer = compiled?.optimizer, optimizer.iterations > 0 {
            let slots = parameters.flatMap { optimizer.slots(of: $0).values }.reduce(0) { $0 + $1.count }
            // A schedule replaces the learning-rate variable (Keras keeps no `learning_rate` then).
            let hasRateVariable = optimizer.schedule == nil
            optimizerCount = 1 + (hasRateVariable ? 1 : 0) + slots
            optimizerBytes = 8 + (hasRateVariable ? 4 : 0) + 4 * Double(slots)
        }
        var text = "Model: \"\(name)\"\n" + table.render(rows)
            + line("Total params", trainable + frozen + optimizerCount, bytes: Double(trainable + frozen) * 4 + optimizerBytes)
            + line("Trainable params", trainable) + line("Non-trainable params", frozen)
        if optimizerCount > 0 { text += line("Optimizer params", optimizerCount, bytes: optimizerBytes) }
        return text
    }

    /// Prints `summary(lineLength:)` to standard output.
    public func printSummary(lineLength: Int = 76) {
        print(summary(lineLength: lineLength), terminator: "")
    }
}

/// Number formats of Keras's summary.
enum SummaryFormat {
    /// Python's `f"{n:,}"`: `3,617,377`.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return n < 0 ? "-" + out : out
    }

    /// Keras `readable_memory_size`: divide by 1024 until below 1024, two decimals (`13.80 MB`).
    static func memorySize(bytes: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var size = bytes
        for unit in units {
            if size / 1024 < 1 { return String(format: "%.2f", size) + " " + unit }
            size /= 1024
        }
        return String(format: "%.2f", size) + " " + units[units.count - 1]
    }
}

/// The plain-text table rich 15 draws for Keras's summary: `rich.table.Table(width=lineLength,
/// show_lines=True)` with the HEAVY_HEAD box, fixed-width columns with one space of padding on
/// each side, the header bottom-aligned and the body top-aligned.
struct SummaryTable {
    let header: [String]
    let rightAligned: [Bool]
    /// Cell widths including the padding, excluding the borders.
    let widths: [Int]

    /// Keras: column `i` gets `int(positions[i] · lineLength) − (the widths before it)`; rich
    /// then adds the padding (2 per column) and, since the columns overflow the table
    /// (`lineLength` minus the borders), takes the excess back evenly with `ratio_reduce`
    /// (rich/_ratio.py), which rounds half to even.
    init(header: [String], rightAligned: [Bool], positions: [Double], lineLength: Int) {
        self.header = header
        self.rightAligned = rightAligned
        var widths: [Int] = []
        var current = 0
        for p in positions {
            let w = Int(p * Double(lineLength)) - current
            widths.append(w + 2)
            current += w
        }
        let available = lineLength - (positions.count + 1)
        var excess = widths.reduce(0, +) - available
        if excess > 0 {
            var ratioLeft = widths.count
            for i in widths.indices {
                let cut = min(widths[i], Int((Double(excess) / Double(ratioLeft)).rounded(.toNearestOrEven)))
                widths[i] -= cut
                excess -= cut
                ratioLeft -= 1
            }
        }
        self.widths = widths
    }

    /// The table for `rows` (each as many cells as the header), ending with a newline.
    func render(_ rows: [[String]]) -> String {
        func rule(_ left: String, _ fill: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: fill, count: $0) }.joined(separator: middle) + right + "\n"
        }
        func row(_ cells: [String], edge: String, bottomAligned: Bool) -> String {
            let wrapped = cells.indices.map { Self.wrap(cells[$0], width: widths[$0] - 2, rightAligned: rightAligned[$0]) }
            let height = wrapped.map(\.count).max() ?? 0
            var out = ""
            for lineIndex in 0..<height {
                let parts = wrapped.indices.map { c -> String in
                    let lines = wrapped[c]
                    let k = bottomAligned ? lineIndex - (height - lines.count) : lineIndex
                    let text = (k >= 0 && k < lines.count) ? lines[k] : String(repeating: " ", count: widths[c] - 2)
                    return " " + text + " "
                }
                out += edge + parts.joined(separator: edge) + edge + "\n"
            }
            return out
        }
        var out = rule("┏", "━", "┳", "┓")
        out += row(header, edge: "┃", bottomAligned: true)
        out += rule("┡", "━", "╇", "┩")
        for (i, cells) in rows.enumerated() {
            if i > 0 { out += rule("├", "─", "┼", "┤") }
            out += row(cells, edge: "│", bottomAligned: false)
        }
        out += rule("└", "─", "┴", "┘")
        return out
    }

    /// rich's `Text.wrap` with the column's `overflow="ellipsis"`: words are runs of
    /// non-spaces with the spaces after them (rich/_wrap.py); a line breaks before a word that
    /// does not fit; a word longer than the width is not folded, and every line longer than the
    /// width is cut to `width − 1` characters plus `…`. Left-aligned lines are padded on the
    /// right, right-aligned ones stripped of trailing spaces and padded on the left.
    static func wrap(_ text: String, width: Int, rightAligned: Bool) -> [String] {
        let chars = Array(text)
        // Words: `\s*\S+\s*` matched from the end of the previous one.
        var words: [Range<Int>] = []
        var i = 0
        while i < chars.count {
            let start = i
            while i < chars.count && chars[i].isWhitespace { i += 1 }
            guard i < chars.count else { break }
            while i < chars.count && !chars[i].isWhitespace { i += 1 }
            while i < chars.count && chars[i].isWhitespace { i += 1 }
            words.append(start..<i)
        }
        // rich `divide_line(fold=False)`: the offsets to break at.
        var breaks: [Int] = []
        var offset = 0
        for word in words {
            var stripped = word.upperBound
            while stripped > word.lowerBound && chars[stripped - 1].isWhitespace { stripped -= 1 }
            let length = stripped - word.lowerBound
            if width - offset >= length {
                offset += word.count
            } else if length > width {
                if word.lowerBound > 0 { breaks.append(word.lowerBound) }
                offset = word.count
            } else if offset > 0 && word.lowerBound > 0 {
                breaks.append(word.lowerBound)
                offset = word.count
            }
        }
        var lines: [[Character]] = []
        var start = 0
        for b in breaks + [chars.count] {
            lines.append(Array(chars[start..<b]))
            start = b
        }
        return lines.map { line -> String in
            var line = line
            // rstrip_end: drop trailing spaces beyond the width.
            if line.count > width {
                var spaces = 0
                while spaces < line.count && line[line.count - 1 - spaces].isWhitespace { spaces += 1 }
                line.removeLast(min(spaces, line.count - width))
            }
            if rightAligned {
                while let last = line.last, last.isWhitespace { line.removeLast() }
            }
            if line.count > width { line = Array(line.prefix(max(width - 1, 0))) + ["…"] }
            let pad = String(repeating: " ", count: max(width - line.count, 0))
            return rightAligned ? pad + String(line) : String(line) + pad
        }
    }
}
