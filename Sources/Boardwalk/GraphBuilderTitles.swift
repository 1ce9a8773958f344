// Titles set in code with typed ids: `setTitle(_:for:)` takes a PinID or a
// BoardID, so a board's title can never be stored under a pin of the same
// number. (Kept apart from GraphBuilder.swift, which is being split.)

extension GraphBuilder {
    /// Sets the title of a pin (shown to people by tools). A later title for
    /// the same pin replaces it; a title for a pin that gets no edge is
    /// counted and dropped at build time.
    ///
    /// - Parameters:
    ///   - title: The title, UTF-8 text.
    ///   - pin: The pin.
    ///
    /// The graph's titles are read back with `bw_graph_node_title`.
    public func setTitle(_ title: String, for pin: PinID) {
        storeTitle(title, kind: .pin, id: pin.rawValue)
    }

    /// Sets the title of a board (shown to people by tools). A later title
    /// for the same board replaces it.
    ///
    /// - Parameters:
    ///   - title: The title, UTF-8 text.
    ///   - board: The board.
    ///
    /// The graph's titles are read back with `bw_graph_node_title`.
    public func setTitle(_ title: String, for board: BoardID) {
        storeTitle(title, kind: .board, id: board.rawValue)
    }
}
