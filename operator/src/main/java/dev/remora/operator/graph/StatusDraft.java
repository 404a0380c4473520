package dev.remora.operator.graph;

import static dev.remora.operator.api.ConditionTypes.ACCEPTED;
import static dev.remora.operator.api.ConditionTypes.PROGRAMMED;
import static dev.remora.operator.api.ConditionTypes.REASON_ACCEPTED;
import static dev.remora.operator.api.ConditionTypes.REASON_NOT_FOUND;
import static dev.remora.operator.api.ConditionTypes.REASON_NOT_PROGRAMMED;
import static dev.remora.operator.api.ConditionTypes.REASON_PROGRAMMED;
import static dev.remora.operator.api.ConditionTypes.REASON_RESOLVED;
import static dev.remora.operator.api.ConditionTypes.RESOLVED_REFS;

import dev.remora.operator.api.Condition;
import java.util.ArrayList;
import java.util.List;

/** The three conditions of one object while the graph is being built. */
final class StatusDraft {
  private Condition accepted = new Condition(ACCEPTED, true, REASON_ACCEPTED, null);
  private final List<String> unresolved = new ArrayList<>();
  private String unresolvedReason = REASON_NOT_FOUND;
  private Condition programmed;

  boolean accepted() {
    return accepted.isTrue();
  }

  /** Marks the object not accepted; the first rejection's reason is kept, messages are joined. */
  void reject(String reason, String message) {
    if (accepted.isTrue()) {
      accepted = new Condition(ACCEPTED, false, reason, message);
    } else {
      accepted.message = accepted.message + "; " + message;
    }
  }

  /** Accepted but with a note (e.g. part of it conflicted). */
  void acceptWithNote(String reason, String message) {
    if (accepted.isTrue()) {
      accepted = new Condition(ACCEPTED, true, reason, message);
    }
  }

  void unresolved(String reason, String message) {
    if (unresolved.isEmpty()) {
      unresolvedReason = reason;
    }
    if (!unresolved.contains(message)) {
      unresolved.add(message);
    }
  }

  void programmed(boolean programmed, String reason, String message) {
    this.programmed = new Condition(PROGRAMMED, programmed, reason, message);
  }

  List<Condition> build() {
    Condition resolved = unresolved.isEmpty()
        ? new Condition(RESOLVED_REFS, true, REASON_RESOLVED, null)
        : new Condition(RESOLVED_REFS, false, unresolvedReason, String.join("; ", unresolved));
    Condition prog = programmed != null ? programmed
        : accepted.isTrue() ? new Condition(PROGRAMMED, true, REASON_PROGRAMMED, null)
        : new Condition(PROGRAMMED, false, REASON_NOT_PROGRAMMED, "not accepted");
    return List.of(accepted, resolved, prog);
  }
}
