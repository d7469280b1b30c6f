package dev.codeact.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The package graph: no cycles, and the wire contract at the bottom of it. */
@AnalyzeClasses(packages = "dev.codeact", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule packagesHaveNoCycles = slices().matching("dev.codeact.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule contractImportsNothingElseOfTheProject = noClasses().that().resideInAPackage("dev.codeact.contract..")
            .should().dependOnClassesThat().resideOutsideOfPackages("dev.codeact.contract..", "java..", "com.fasterxml.jackson..",
                    "io.quarkus.runtime.annotations..");

    @ArchTest
    static final ArchRule theTurnKnowsNoSession = noClasses().that().resideInAPackage("dev.codeact.agent..")
            .should().dependOnClassesThat().resideInAPackage("dev.codeact.session..");

    @ArchTest
    static final ArchRule theQueueIsOnlyTheQueue = noClasses().that().resideInAPackage("dev.codeact.queue..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.codeact.session..", "dev.codeact.agent..", "dev.codeact.worker..",
                    "dev.codeact.sandbox..", "dev.codeact.llm..", "dev.codeact.api..");
}
