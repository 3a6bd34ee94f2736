#!/usr/bin/env bash
# Test set-up for the kafka:// driver on Debian 12. Confluent.Kafka 2.15.1 needs librdkafka >= 2.1 and Debian 12
# ships 2.0.2 (which crashes on the first Consume), while this machine's NuGet registry lacks librdkafka.redist.
# So: build librdkafka 2.8.0 from Debian trixie's source package (~1 min on 2 cores) and pack it as a local
# stand-in "librdkafka.redist" into .kafka-native/feed/ at the repository root (gitignored). The driver and test
# projects add that folder as a restore source only when it exists; elsewhere the official package restores.
# Idempotent: does nothing but list the feed when the package is already there. Needs root (apt-get).
# Usage: tests/servers/kafka-native.sh            (env: KAFKA_NATIVE_ROOT overrides the output folder)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
root=${KAFKA_NATIVE_ROOT:-$repo/.kafka-native}
rdkafka_version=2.8.0
redist_version=2.15.1   # must match Confluent.Kafka's dependency in Directory.Packages.props
package="$root/feed/librdkafka.redist.$redist_version.nupkg"

if [ -f "$package" ]; then
  echo "kafka-native: $package already built"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential pkg-config libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev >/dev/null

mkdir -p "$root"/apt/{lists/partial,cache/archives/partial,parts} "$root/src" "$root/pkg" "$root/feed"
# The system's own Debian mirror, trixie suite, source packages only, in a private apt state: the system's
# package lists and sources stay untouched.
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$root/apt/sources.list"
apt_private=(-o Dir::Etc::SourceList="$root/apt/sources.list" -o Dir::Etc::SourceParts="$root/apt/parts"
             -o Dir::State::Lists="$root/apt/lists" -o Dir::Cache="$root/apt/cache")
apt-get "${apt_private[@]}" update -qq
(cd "$root/src" && apt-get "${apt_private[@]}" source --download-only librdkafka >/dev/null)
tar xzf "$root/src/librdkafka_${rdkafka_version}.orig.tar.gz" -C "$root/src"
(cd "$root/src/librdkafka-$rdkafka_version" \
  && ./configure --disable-curl --disable-gssapi >/dev/null \
  && make -j"$(nproc)" -C src librdkafka.so.1 >/dev/null)
install -m755 "$root/src/librdkafka-$rdkafka_version/src/librdkafka.so.1" "$root/pkg/librdkafka.so"
strip "$root/pkg/librdkafka.so"

# Same package id and layout as the official one (runtimes/linux-x64/native), so Confluent.Kafka finds it unchanged.
cat > "$root/pkg/librdkafka.redist.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <PackageId>librdkafka.redist</PackageId>
    <Authors>local</Authors>
    <Description>Local stand-in for librdkafka.redist: librdkafka built from Debian's source package.</Description>
    <IncludeBuildOutput>false</IncludeBuildOutput>
    <SuppressDependenciesWhenPacking>true</SuppressDependenciesWhenPacking>
    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
    <NoWarn>$(NoWarn);NU5128;NU5100</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <None Include="librdkafka.so" Pack="true" PackagePath="runtimes/linux-x64/native/librdkafka.so" />
  </ItemGroup>
</Project>
XML
dotnet pack "$root/pkg/librdkafka.redist.csproj" -c Release -o "$root/feed" -p:Version="$redist_version" --nologo -v q
rm -rf "$root/pkg/bin" "$root/pkg/obj"
ls -la "$root/feed"
