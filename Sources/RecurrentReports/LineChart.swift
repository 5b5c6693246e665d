import Foundation

/// A line chart written as a standalone SVG file: the training curves of a run (loss and
/// accuracy per epoch, training and validation) and, for the time-series experiment, predictions
/// against targets.
///
/// The chart is plain SVG 1.1 (no scripts, no external fonts), so any browser or image viewer
/// shows it. Axes get "nice" ticks (1, 2 or 5 times a power of ten) covering the data.
public struct LineChart: Sendable {
    /// One line: its name in the legend, its points, and a CSS colour.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var dashed: Bool

        public init(name: String, points: [(x: Double, y: Double)], color: String, dashed: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.dashed = dashed
        }

        /// `values[i]` at x = i + 1 (epochs are 1-based on the axis, as Keras prints them).
        public init(name: String, values: [Double], color: String, dashed: Bool = false) {
            self.init(name: name, points: values.enumerated().map { (Double($0.offset + 1), $0.element) }, color: color, dashed: dashed)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 640.0
    public var height = 400.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The colours of the training and validation curves.
    public static let trainColor = "#1f77b4", validationColor = "#ff7f0e"

    /// The SVG text. Non-finite points are left out (a NaN loss ends its line).
    public var svg: String {
        let left = 64.0, right = 16.0, top = 40.0, bottom = 52.0
        let plotW = width - left - right, plotH = height - top - bottom
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let (x0, x1) = Self.range(finite.map(\.x))
        let (y0, y1) = Self.range(finite.map(\.y))
        let xTicks = Self.ticks(x0, x1), yTicks = Self.ticks(y0, y1)
        let xa = xTicks.first ?? x0, xb = xTicks.last ?? x1, ya = yTicks.first ?? y0, yb = yTicks.last ?? y1
        func px(_ x: Double) -> Double { left + (x - xa) / max(xb - xa, 1e-12) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - ya) / max(yb - ya, 1e-12) * plotH }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.n(width))" height="\(Self.n(height))" viewBox="0 0 \(Self.n(width)) \(Self.n(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Self.n(width / 2))" y="22" text-anchor="middle" font-size="15" font-weight="bold">\(Self.escape(title))</text>

        """
        for t in yTicks {
            out += "<line x1=\"\(Self.n(left))\" y1=\"\(Self.n(py(t)))\" x2=\"\(Self.n(left + plotW))\" y2=\"\(Self.n(py(t)))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(Self.n(left - 6))\" y=\"\(Self.n(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        for t in xTicks {
            out += "<line x1=\"\(Self.n(px(t)))\" y1=\"\(Self.n(top + plotH))\" x2=\"\(Self.n(px(t)))\" y2=\"\(Self.n(top + plotH + 4))\" stroke=\"#333\"/>\n"
            out += "<text x=\"\(Self.n(px(t)))\" y=\"\(Self.n(top + plotH + 18))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        out += "<rect x=\"\(Self.n(left))\" y=\"\(Self.n(top))\" width=\"\(Self.n(plotW))\" height=\"\(Self.n(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(Self.n(left + plotW / 2))\" y=\"\(Self.n(height - 12))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out += "<text x=\"16\" y=\"\(Self.n(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(Self.n(top + plotH / 2)))\">\(Self.escape(yLabel))</text>\n"
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            guard !pts.isEmpty else { continue }
            let coords = pts.map { "\(Self.n(px($0.x))),\(Self.n(py($0.y)))" }.joined(separator: " ")
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash) points=\"\(coords)\"/>\n"
            if pts.count <= 60 {
                for p in pts { out += "<circle cx=\"\(Self.n(px(p.x)))\" cy=\"\(Self.n(py(p.y)))\" r=\"3\" fill=\"\(s.color)\"/>\n" }
            }
        }
        // The legend goes in the corner of the plot that hides the least of the lines: the
        // corner whose box covers the fewest points sampled along them (top right on ties).
        let boxW = 150.0, boxH = Double(series.count) * 18 + 6
        var samples: [(Double, Double)] = []
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (px($0.x), py($0.y)) }
            samples += pts
            for (a, b) in zip(pts, pts.dropFirst()) {
                for k in 1..<16 { let t = Double(k) / 16; samples.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)) }
            }
        }
        let corners = [(left + plotW - boxW - 6, top + 4), (left + plotW - boxW - 6, top + plotH - boxH - 4),
                       (left + 6, top + 4), (left + 6, top + plotH - boxH - 4)]
        let (boxX, boxY) = corners.min { a, b in
            func covered(_ c: (Double, Double)) -> Int {
                samples.filter { $0.0 >= c.0 - 4 && $0.0 <= c.0 + boxW + 4 && $0.1 >= c.1 - 4 && $0.1 <= c.1 + boxH + 4 }.count
            }
            return covered(a) < covered(b)
        }!
        if !series.isEmpty {
            out += "<rect x=\"\(Self.n(boxX))\" y=\"\(Self.n(boxY))\" width=\"\(Self.n(boxW))\" height=\"\(Self.n(boxH))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n"
        }
        for (i, s) in series.enumerated() {
            let y = boxY + 14 + Double(i) * 18, x = boxX + 6
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<line x1=\"\(Self.n(x))\" y1=\"\(Self.n(y - 4))\" x2=\"\(Self.n(x + 24))\" y2=\"\(Self.n(y - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>\n"
            out += "<text x=\"\(Self.n(x + 30))\" y=\"\(Self.n(y))\">\(Self.escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Writes `svg` to `url` atomically.
    public func write(to url: URL) throws {
        try Data(svg.utf8).write(to: url, options: .atomic)
    }

    static func range(_ values: [Double]) -> (Double, Double) {
        guard let lo = values.min(), let hi = values.max() else { return (0, 1) }
        if lo == hi { return (lo - (lo == 0 ? 1 : abs(lo) * 0.1), hi + (hi == 0 ? 1 : abs(hi) * 0.1)) }
        return (lo, hi)
    }

    /// About 5 ticks at 1, 2 or 5 × 10^k covering [lo, hi].
    /// About five axis ticks at 1, 2 or 5 × 10^k covering [lo, hi].
    public static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        let raw = (hi - lo) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(lo / step) * step, last = ceil(hi / step) * step
        let count = Int(((last - first) / step).rounded()) + 1
        return (0..<max(count, 2)).map { first + Double($0) * step }
    }

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        let s = String(format: "%.4g", v)
        return s
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
