// Pin attribute value names (languages, topics) as a build gathers them,
// coded in sorted order so that equal inputs give equal graph files.
import CBoardwalk

/// Attribute value names, coded in sorted order at build time so that the
/// same inputs give the same codes whatever their order.
struct AttributeNames {
    private var provisional: [String: UInt32] = [:]
    private var names: [String] = []

    mutating func code(of name: String) throws -> UInt32 {
        if let c = provisional[name] { return c }
        guard names.count < Int(BW_ATTR_MAX_CODES) else {
            throw BoardwalkError.limitExceeded("more than \(BW_ATTR_MAX_CODES) distinct attribute values")
        }
        guard !name.contains("\n") else { throw BoardwalkError.invalidArgument("attribute names cannot contain newlines") }
        provisional[name] = UInt32(names.count)
        names.append(name)
        return UInt32(names.count - 1)
    }

    /// Names in code order after the final recoding, and provisional → final.
    func sortedNames() -> (names: [String], recode: [UInt32]) {
        let order = names.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }
        var recode = [UInt32](repeating: 0, count: names.count)
        for (final, prov) in order.enumerated() { recode[prov] = UInt32(final) }
        return (order.map { names[$0] }, recode)
    }
}
