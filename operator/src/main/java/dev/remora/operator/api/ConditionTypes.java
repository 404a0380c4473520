package dev.remora.operator.api;

/** Condition types and reasons written by the operator. */
public final class ConditionTypes {
  public static final String ACCEPTED = "Accepted";
  public static final String RESOLVED_REFS = "ResolvedRefs";
  public static final String PROGRAMMED = "Programmed";

  public static final String REASON_ACCEPTED = "Accepted";
  public static final String REASON_RESOLVED = "ResolvedRefs";
  public static final String REASON_PROGRAMMED = "Programmed";
  public static final String REASON_INVALID = "Invalid";
  public static final String REASON_CONFLICTED = "Conflicted";
  public static final String REASON_PARTIALLY_CONFLICTED = "PartiallyConflicted";
  public static final String REASON_NO_PARENT = "NoMatchingParent";
  public static final String REASON_NOT_FOUND = "RefNotFound";
  public static final String REASON_UNSUPPORTED = "Unsupported";
  public static final String REASON_SYNTAX_ERROR = "SyntaxError";
  public static final String REASON_NOT_PROGRAMMED = "NotProgrammed";
  public static final String REASON_REJECTED = "RejectedByProxy";

  private ConditionTypes() {}
}
