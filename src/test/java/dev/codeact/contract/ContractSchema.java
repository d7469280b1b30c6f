package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.CustomDefinition;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaBuilder;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code spec/codeact.schema.json}: the wire contract as JSON Schema (2020-12), generated from the
 * records of {@code dev.codeact.contract}. The Java side is the source; the schema is what the
 * JavaScript client, the Python kernel and the docs are checked against (ContractSchemaTest).
 */
final class ContractSchema {

    static final Path FILE = Path.of("spec/codeact.schema.json");

    /** Definitions a document may be checked against, besides the two unions. */
    private static final List<Class<?>> PAYLOADS = List.of(Job.class, Result.class, CancelRequest.class, KernelRelease.class,
            SessionTaken.class, ExecutionResult.class, KernelCommand.class, KernelFrame.class, GatewayInfo.class, ChatMessage.class,
            SessionSummary.class, ExecuteRequest.class, ExecutionOutput.class, Problem.class, ToolReply.class, ToolSpec.class, ToolInfo.class, ToolAnswer.class,
            SessionUpdate.class);

    private static final List<String> ERROR_CODES = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).toList();
    private static final List<String> TURN_END_REASONS = Arrays.stream(TurnEndReason.values()).map(TurnEndReason::wire).toList();

    /** Fields whose strings are one of a few words. */
    private static final Map<String, List<String>> WORDS = Map.of(
            "KernelFrame.ev", List.of(KernelFrame.READY, KernelFrame.STREAM, KernelFrame.DONE, KernelFrame.TOOL_CALL),
            "KernelCommand.op", List.of(KernelCommand.EXEC, KernelCommand.INTERRUPT.op(), KernelCommand.ALIVE.op(),
                    KernelCommand.TOOL_RESULT, FileOp.PUT, FileOp.APPEND, FileOp.GET, FileOp.DELETE, FileOp.LIST),
            "FileOp.op", List.of(FileOp.PUT, FileOp.APPEND, FileOp.GET, FileOp.DELETE, FileOp.LIST),
            "Result.Chunk.stream", List.of("stdout", "stderr", Result.FILE),
            "ToolFailure.code", ERROR_CODES,
            "Display.kind", List.of(Display.DISPLAY, Display.VALUE),
            "ServerEvent.Error.code", ERROR_CODES,
            "ServerEvent.TurnEnd.reason", TURN_END_REASONS);

    /** Records read from an untrusted side, every field of which may be missing. */
    private static final Set<Class<?>> TOLERANT = Set.of(KernelFrame.class);

    /** A record's component marked {@link Required} (the annotation reaches the field it becomes). */
    private static boolean required(java.lang.reflect.Field field) {
        return field.isAnnotationPresent(Required.class);
    }

    private static final PropertyNamingStrategies.NamingBase SNAKE = (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ContractSchema() {}

    static ObjectNode generate() {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(WireJson.MAPPER, SchemaVersion.DRAFT_2020_12,
                OptionPreset.PLAIN_JSON)
                .with(new JacksonModule())
                .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT, Option.DEFINITIONS_FOR_ALL_OBJECTS,
                        Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES)
                .without(Option.SCHEMA_VERSION_INDICATOR);
        config.forTypesInGeneral().withDefinitionNamingStrategy((key, context) -> name(key.getType().getErasedType()));
        // A tool's arguments and values, and a JSON Schema of parameters: any JSON at all.
        config.forTypesInGeneral().withCustomDefinitionProvider((type, context) -> type.isInstanceOf(JsonNode.class)
                ? new CustomDefinition(context.getGeneratorConfig().createObjectNode().put("description", "any JSON value"),
                        CustomDefinition.DefinitionType.INLINE, CustomDefinition.AttributeInclusion.NO)
                : null);
        config.forFields().withPropertyNameOverrideResolver(field -> SNAKE.translate(field.getDeclaredName()));
        // Absent fields are left out (NON_NULL): what is always there is what cannot be null, and
        // what the records mark @Required.
        config.forFields().withRequiredCheck(field -> (field.getType().isPrimitive() || required(field.getRawMember()))
                && !TOLERANT.contains(field.getDeclaringType().getErasedType()));
        config.forFields().withEnumResolver(field -> WORDS.get(name(field.getDeclaringType().getErasedType()) + "." + field.getDeclaredName()));
        // The kernel sends JSON nulls (Python's None) where the gateway's own JSON leaves a field out.
        config.forFields().withNullableCheck(field -> TOLERANT.contains(field.getDeclaringType().getErasedType()));
        SchemaBuilder builder = new SchemaGenerator(config.build()).buildMultipleSchemaDefinitions();
        Map<String, ObjectNode> refs = new LinkedHashMap<>();
        for (Class<?> event : ServerEvent.class.getPermittedSubclasses()) {
            refs.put(name(event), builder.createSchemaReference(event));
        }
        for (Class<?> event : ClientEvent.class.getPermittedSubclasses()) {
            refs.put(name(event), builder.createSchemaReference(event));
        }
        for (Class<?> payload : PAYLOADS) {
            refs.put(name(payload), builder.createSchemaReference(payload));
        }
        ObjectNode defs = builder.collectDefinitions("$defs");
        flattenSubtypes(defs, Result.class, "kind");
        words(defs, "ErrorCode", ERROR_CODES);
        words(defs, "TurnEndReason", TURN_END_REASONS);
        ObjectNode data = (ObjectNode) defs.at("/Display/properties/data");
        data.removeAll();
        data.put("type", "object").putObject("additionalProperties").put("type", "string");
        Display.MIME_TYPES.stream().sorted().forEach(data.putObject("propertyNames").putArray("enum")::add);
        defs.remove("Map"); // what victools made of Display's data before it was replaced: nothing refers to it

        ObjectNode root = WireJson.MAPPER.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("$id", "https://codeact.dev/spec/codeact.schema.json");
        root.put("title", "CodeAct gateway wire contract");
        root.put("$comment", "Generated from the records of dev.codeact.contract by ContractSchemaTest; do not edit by hand.");
        envelope(defs, ServerEvent.class, true);
        envelope(defs, ClientEvent.class, false);
        root.set("$defs", defs);
        return root;
    }

    /** Each event gets its {@code type} (and a server event its {@code session} and {@code seq}), and one union names them all. */
    private static void envelope(ObjectNode defs, Class<?> union, boolean server) {
        ArrayNode oneOf = WireJson.MAPPER.createArrayNode();
        for (Class<?> event : union.getPermittedSubclasses()) {
            ObjectNode def = (ObjectNode) defs.get(name(event));
            ObjectNode props = def.has("properties") ? (ObjectNode) def.get("properties") : def.putObject("properties");
            ObjectNode ordered = WireJson.MAPPER.createObjectNode();
            ordered.putObject("type").put("const", typeOf(event));
            if (server) {
                ordered.putObject("session").putArray("type").add("string").add("null");
                ordered.putObject("seq").put("type", "integer").put("minimum", 0);
            }
            ordered.setAll(props);
            def.set("properties", ordered);
            ArrayNode required = WireJson.MAPPER.createArrayNode().add("type");
            if (server) {
                required.add("session").add("seq");
            }
            if (def.has("required")) {
                required.addAll((ArrayNode) def.get("required"));
            }
            def.set("required", required);
            def.put("type", "object");
            def.put("additionalProperties", false);
            oneOf.addObject().put("$ref", "#/$defs/" + name(event));
        }
        defs.putObject(union.getSimpleName()).set("oneOf", oneOf);
    }

    /**
     * victools writes each subtype of a Jackson-typed union twice: its record ("X-1", which forbids
     * other properties) and a reference to it that adds the type property ("X-2"), which no
     * document can then match. Each subtype becomes one definition, its type property first.
     */
    private static void flattenSubtypes(ObjectNode defs, Class<?> union, String typeProperty) {
        String unionName = name(union);
        for (Class<?> subtype : union.getPermittedSubclasses()) {
            String name = name(subtype);
            ObjectNode record = (ObjectNode) defs.remove(name + "-1");
            ObjectNode typed = (ObjectNode) defs.remove(name + "-2");
            if (record == null || typed == null) {
                throw new IllegalStateException("victools no longer writes " + name + " as two definitions: see flattenSubtypes");
            }
            ObjectNode properties = WireJson.MAPPER.createObjectNode();
            properties.set(typeProperty, typed.get("properties").get(typeProperty));
            properties.setAll((ObjectNode) record.get("properties"));
            ArrayNode required = WireJson.MAPPER.createArrayNode().add(typeProperty);
            required.addAll((ArrayNode) record.get("required"));
            ObjectNode def = defs.putObject(name).put("type", "object");
            def.set("properties", properties);
            def.set("required", required);
            def.put("additionalProperties", false);
        }
        ArrayNode anyOf = WireJson.MAPPER.createArrayNode();
        for (Class<?> subtype : union.getPermittedSubclasses()) {
            anyOf.addObject().put("$ref", "#/$defs/" + name(subtype));
        }
        defs.putObject(unionName).set("oneOf", anyOf);
    }

    private static void words(ObjectNode defs, String name, List<String> words) {
        ObjectNode def = defs.putObject(name).put("type", "string");
        words.forEach(def.putArray("enum")::add);
    }

    /** The {@code type} of an event class: its {@code type()} on an instance with every component at its zero value. */
    static String typeOf(Class<?> event) {
        try {
            RecordComponent[] components = event.getRecordComponents();
            Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
            Object[] zeros = Arrays.stream(types).map(ContractSchema::zero).toArray();
            Object instance = event.getDeclaredConstructor(types).newInstance(zeros);
            return (String) event.getMethod("type").invoke(instance);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot tell the type of " + event, e);
        }
    }

    private static Object zero(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        return null;
    }

    /** Definition names: the class's name inside the contract package ({@code ServerEvent.Token}). */
    static String name(Class<?> type) {
        return type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
    }

    /** A validator of documents against one definition of {@code schema} ("ServerEvent", "Job", …). */
    static Schema validator(JsonNode schema, String definition) {
        ObjectNode root = schema.deepCopy();
        root.put("$ref", "#/$defs/" + definition);
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(root);
    }

    /** What is wrong with {@code document} as a {@code definition}, or an empty string. */
    static String problems(Schema validator, JsonNode document) {
        List<Error> errors = validator.validate(document);
        return errors.stream().map(Error::getMessage).sorted().collect(Collectors.joining("; "));
    }
}
