// The AWS shared files' profiles (~/.aws/credentials, ~/.aws/config) and
// the `credential_process` a profile may name: the pieces
// AwsCredentialSource (connectors/aws_credentials.h) reads them with.
#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "connectors/aws_sigv4.h"

namespace rr::connectors {

using AwsIniSection = std::map<std::string, std::string, std::less<>>;

// The `key = value` lines of section `[name]` of an INI text (`#` and `;`
// comments, blank lines), nullopt when there is no such section, or why
// the text cannot be read (naming the line).
std::expected<std::optional<AwsIniSection>, std::string> awsIniSection(std::string_view text,
                                                                       std::string_view name);

// What a credential_process printed: JSON with "Version": 1,
// "AccessKeyId", "SecretAccessKey", optionally "SessionToken" and
// "Expiration" (ISO 8601 UTC); the credentials and when they expire
// (time_point::max() without an Expiration), or why not.
std::expected<std::pair<AwsCredentials, std::chrono::system_clock::time_point>, std::string>
parseCredentialProcessJson(std::string_view json);

// Runs `command` with /bin/sh -c (its standard error is rerankd's) and
// returns what it printed, or why not: it could not start, exited with a
// status other than 0, printed more than 64 KB, or ran past `timeout`
// (then it is killed).
std::expected<std::string, std::string> runCredentialProcess(const std::string& command,
                                                             std::chrono::milliseconds timeout);

// `s` without leading and trailing spaces, tabs, CR and LF.
std::string_view awsTrim(std::string_view s);

// "2026-12-07T18:00:00Z" (fractions of a second, or the offset +00:00,
// accepted) as a time point, or nullopt.
std::optional<std::chrono::system_clock::time_point> parseAwsIsoUtc(std::string_view s);

}  // namespace rr::connectors
