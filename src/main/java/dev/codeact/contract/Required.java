package dev.codeact.contract;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A field the wire always carries (besides primitives, which always do): the gateway always sends
 * it, and refuses what it receives without it. The schema generated from these records lists it
 * as {@code required}, and so the clients' types declare it so; a field without it may be left
 * out (the wire leaves nulls out). Nothing reads it at run time: each decoder checks its own.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD})
public @interface Required {
}
