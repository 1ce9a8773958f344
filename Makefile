# Makefile - builds libboardwalk, the C library behind boardwalk.h, for hosts
# in other languages (C, Python through ctypes, Go, Java, Rust).
#
# Why a Makefile next to Package.swift: SwiftPM links every `.dynamic`
# library product against libswiftCore.so, even one made only of C, and a
# package may not use `unsafeFlags` (so no -fvisibility=hidden, no -soname).
# A library that a Python, Go or Java process loads must not drag in the Swift
# runtime, must export only its bw_ symbols and must carry a soname. So the
# system C compiler builds it here, from the very sources SwiftPM compiles
# into the Swift library and the `boardwalk` CLI (Sources/CBoardwalk), which
# is why every binding computes the same walk.
#
#   make lib      build/lib/libboardwalk.so.X.Y.Z (+ .so.X, .so links) and libboardwalk.a
#   make pc       build/lib/boardwalk.pc for PREFIX (default /usr/local)
#   make install  Tools/install --prefix $(PREFIX): headers, library, .pc, CLI
#   make java     build/java/boardwalk.jar and build/lib/libboardwalk_jni.so (JDK 17+)
#   make clean    removes build/
CC ?= cc
PREFIX ?= /usr/local
SRC := Sources/CBoardwalk
BUILD := build
OBJDIR := $(BUILD)/obj
LIBDIR := $(BUILD)/lib

# The one version: boardwalk.h's macros (the binding and pkg-config agree with it).
HEADER := $(SRC)/include/boardwalk.h
version_part = $(shell sed -n 's/^\#define BW_VERSION_$(1) \([0-9][0-9]*\).*/\1/p' $(HEADER))
MAJOR := $(call version_part,MAJOR)
VERSION := $(MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)

SONAME := libboardwalk.so.$(MAJOR)
SHARED := $(LIBDIR)/libboardwalk.so.$(VERSION)
STATIC := $(LIBDIR)/libboardwalk.a
PCFILE := $(LIBDIR)/boardwalk.pc

SOURCES := $(wildcard $(SRC)/*.c)
OBJECTS := $(patsubst $(SRC)/%.c,$(OBJDIR)/%.o,$(SOURCES))
HEADERS := $(wildcard $(SRC)/*.h $(SRC)/include/*.h)

LMDB_CFLAGS := $(shell pkg-config --cflags lmdb 2>/dev/null)
# Hidden by default: only functions marked BW_API in boardwalk.h are exported.
LIB_CFLAGS := -std=c11 -O2 -fPIC -fvisibility=hidden -DNDEBUG -D_GNU_SOURCE \
              -Wall -Wextra -I$(SRC)/include $(LMDB_CFLAGS) $(CFLAGS)
LIB_LDFLAGS := -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined -Wl,-z,relro -Wl,-z,now $(LDFLAGS)
LIB_LIBS := -llmdb -lm -lpthread

.PHONY: lib pc install clean java

lib: $(SHARED) $(LIBDIR)/$(SONAME) $(LIBDIR)/libboardwalk.so $(STATIC)

pc: $(PCFILE)

install:
	Tools/install --prefix "$(PREFIX)"

clean:
	rm -rf $(BUILD)

$(OBJDIR) $(LIBDIR):
	mkdir -p $@

# Every object depends on every header: there are few of each, and a stale
# object compiled against an older struct layout is the bug to rule out.
$(OBJDIR)/%.o: $(SRC)/%.c $(HEADERS) Makefile | $(OBJDIR)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(SHARED): $(OBJECTS) | $(LIBDIR)
	$(CC) $(LIB_LDFLAGS) -o $@ $(OBJECTS) $(LIB_LIBS)

$(LIBDIR)/$(SONAME): $(SHARED)
	ln -sfn $(notdir $(SHARED)) $@

$(LIBDIR)/libboardwalk.so: $(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $@

$(STATIC): $(OBJECTS) | $(LIBDIR)
	rm -f $@
	$(AR) rcs $@ $(OBJECTS)

# The prefix is part of the file's contents, so rebuild whenever it changes.
$(PCFILE): boardwalk.pc.in $(HEADER) FORCE | $(LIBDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' boardwalk.pc.in > $@.tmp
	mv $@.tmp $@

# The Java binding: classes of org.boardwalk (java/src/main/java) in one jar,
# and the JNI glue (java/jni/boardwalk_jni.c, over boardwalk.h only) linked
# against libboardwalk with $ORIGIN as its run path, so that it finds the
# libboardwalk beside it (build/lib, or the prefix's lib after install).
# javac -h writes the JNI header the glue includes: a signature that does
# not match the Java declaration is a compile error.
JAVAC ?= javac
JAR ?= jar
JAVA_HOME ?= $(patsubst %/bin/javac,%,$(realpath $(shell command -v $(JAVAC) 2>/dev/null)))
JAVA_BUILD := $(BUILD)/java
JAVA_SOURCES := $(shell find java/src/main/java -name '*.java' 2>/dev/null)
JAR_FILE := $(JAVA_BUILD)/boardwalk.jar
JNI_LIB := $(LIBDIR)/libboardwalk_jni.so
JNI_CFLAGS := -std=c11 -O2 -fPIC -fvisibility=hidden -Wall -Wextra -Werror -I$(SRC)/include \
              -I$(JAVA_BUILD)/include -I$(JAVA_HOME)/include -I$(JAVA_HOME)/include/linux $(CFLAGS)

java: $(JAR_FILE) $(JNI_LIB)

$(JAR_FILE): $(JAVA_SOURCES) Makefile
	@command -v $(JAVAC) >/dev/null || { echo "make java: no javac (install a JDK 17, e.g. openjdk-17-jdk-headless)" >&2; exit 1; }
	rm -rf $(JAVA_BUILD)/classes $(JAVA_BUILD)/include
	mkdir -p $(JAVA_BUILD)/classes
	$(JAVAC) --release 17 -Xlint:all -Werror -encoding UTF-8 -h $(JAVA_BUILD)/include -d $(JAVA_BUILD)/classes $(JAVA_SOURCES)
	$(JAR) --create --file $@.tmp --main-class org.boardwalk.Boardwalk -C $(JAVA_BUILD)/classes .
	mv $@.tmp $@

$(JNI_LIB): java/jni/boardwalk_jni.c $(HEADER) $(JAR_FILE) $(LIBDIR)/libboardwalk.so
	$(CC) $(JNI_CFLAGS) -shared -Wl,--no-undefined -Wl,-z,relro -Wl,-z,now -Wl,-rpath,'$$ORIGIN' $(LDFLAGS) \
	  -o $@ java/jni/boardwalk_jni.c -L$(LIBDIR) -lboardwalk

.PHONY: FORCE
FORCE:
