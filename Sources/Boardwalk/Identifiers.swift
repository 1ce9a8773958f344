// Pin and board identifiers: distinct types over the caller's 64-bit ids, so
// that a board id can never be passed where a pin id is expected.

/// The external id of a pin (an item), chosen by the caller.
public struct PinID: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The 64-bit id as given to the builder.
    public let rawValue: UInt64
    /// Wraps a 64-bit pin id.
    ///
    /// - Parameter rawValue: The id.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a 64-bit pin id.
    ///
    /// - Parameter rawValue: The id.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// A pin id from an integer literal.
    ///
    /// - Parameter value: The id.
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    /// Orders pins by id, as the graph stores them.
    ///
    /// - Parameters:
    ///   - a: A pin.
    ///   - b: Another pin.
    /// - Returns: True when `a`'s id is below `b`'s.
    public static func < (a: PinID, b: PinID) -> Bool { a.rawValue < b.rawValue }
    /// The id in decimal.
    public var description: String { String(rawValue) }
}

/// The external id of a board (a collection of pins), chosen by the caller.
public struct BoardID: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The 64-bit id as given to the builder.
    public let rawValue: UInt64
    /// Wraps a 64-bit board id.
    ///
    /// - Parameter rawValue: The id.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a 64-bit board id.
    ///
    /// - Parameter rawValue: The id.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// A board id from an integer literal.
    ///
    /// - Parameter value: The id.
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    /// Orders boards by id, as the graph stores them.
    ///
    /// - Parameters:
    ///   - a: A board.
    ///   - b: Another board.
    /// - Returns: True when `a`'s id is below `b`'s.
    public static func < (a: BoardID, b: BoardID) -> Bool { a.rawValue < b.rawValue }
    /// The id in decimal.
    public var description: String { String(rawValue) }
}
