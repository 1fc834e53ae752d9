/// What tshark prints for each packet, and so what `TsharkSource` parses back.
public enum TsharkFormat: String, Sendable, CaseIterable {
    /// `-T pdml`: the whole dissection as XML (pyshark's default). Every element and attribute is tokenised.
    case pdml
    /// `-T fields`: one tab-separated line per packet with only the fields we ask for (the cheaper mode).
    case fields
}
