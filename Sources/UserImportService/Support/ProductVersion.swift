/// The version both programs print with `--version` (and the packages carry).
public enum ProductVersion {
    public static let string = "0.9.0"
}
