import FlowMeter

/// One information element: an IANA element (`enterprise` nil) or an enterprise-specific one.
public struct IPFIXElement: Sendable, Equatable {
    /// The element id (IANA's, or the enterprise's own number).
    public var id: UInt16
    /// The private enterprise number, nil for an IANA element.
    public var enterprise: UInt32?
    /// The abstract data type, which fixes the encoding and the template's field length.
    public var type: IPFIXDataType
    /// The element's name (IANA's, or the column name), as type records carry it.
    public var name: String

    /// An element `id` of `enterprise` (nil: IANA) with data type `type`.
    public init(id: UInt16, enterprise: UInt32? = nil, type: IPFIXDataType, name: String) {
        self.id = id
        self.enterprise = enterprise
        self.type = type
        self.name = name
    }

    /// The enterprise number of RFC 5103's reverse information elements.
    public static let reversePEN: UInt32 = 29305
    /// The enterprise number RFC 5612 reserves for documentation: the default for flowmeter's own elements.
    public static let documentationPEN: UInt32 = 32473

    /// RFC 5103's reverse of an IANA element: the same number under PEN 29305.
    func reversed(name: String) -> IPFIXElement {
        IPFIXElement(id: id, enterprise: Self.reversePEN, type: type, name: name)
    }
}
