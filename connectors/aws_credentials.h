// Where rerankd and index-sync get the AWS credentials they sign with
// (connectors/aws_sigv4.h), looked up in the order the AWS SDKs use:
//   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for
//      temporary keys, AWS_SESSION_TOKEN;
//   2. web identity (EKS IAM roles for service accounts): the token in the
//      file AWS_WEB_IDENTITY_TOKEN_FILE names exchanged for AWS_ROLE_ARN's
//      credentials with STS AssumeRoleWithWebIdentity (AWS_ENDPOINT_URL_STS,
//      else the regional endpoint of AWS_REGION or AWS_DEFAULT_REGION, else
//      the global one; session name AWS_ROLE_SESSION_NAME or rerankd-PID);
//   3. the profile AWS_PROFILE (or "default"): its keys in the shared
//      credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//      ~/.aws/credentials), read again whenever the file changes, so keys
//      an agent rotates there are used; else the `credential_process` it
//      names there or in the config file (AWS_CONFIG_FILE, else
//      ~/.aws/config, section [profile NAME]), run with /bin/sh -c (IAM
//      Roles Anywhere's signing helper, a vault agent...) and run again
//      before what it printed expires; else the role_arn it names,
//      assumed with STS AssumeRole signed with its source_profile's keys
//      (external_id and role_session_name read; STS as for 2, the profile's
//      region after AWS_REGION). A profile that relies on SSO, a
//      credential_source, or a source profile without keys is refused,
//      naming what it lacks;
//   4. the container credentials endpoint (ECS task roles, EKS Pod
//      Identity): AWS_CONTAINER_CREDENTIALS_FULL_URI, or
//      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on 169.254.170.2, with the
//      Authorization value in AWS_CONTAINER_AUTHORIZATION_TOKEN or the file
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names;
//   5. the EC2 instance metadata service (IMDSv2, the instance's role):
//      AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254; not
//      with AWS_EC2_METADATA_DISABLED=true.
// The first that is configured is used.
//
// Temporary credentials from 2, 3's role or process, 4 and 5 are fetched when the source is made
// (blocking, a few seconds at most) and then refreshed by a thread of the
// source's own, five minutes before they expire (a failed refresh is tried
// again every 5 seconds, the old credentials kept until they expire, and
// every minute while there are none): current() never waits on the
// network, so an I/O thread may call it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "connectors/aws_sigv4.h"

namespace rr::connectors {

class AwsCredentialSource {
 public:
  // Reads the environment now and picks the provider (getting the first
  // temporary credentials when they are: 2, 3's process, 4 and 5).
  AwsCredentialSource();
  ~AwsCredentialSource();  // stops the refresher
  AwsCredentialSource(const AwsCredentialSource&) = delete;
  AwsCredentialSource& operator=(const AwsCredentialSource&) = delete;

  // The one source of this process (made on first use): the environment
  // does not change while it runs, and one refresher is enough.
  static std::shared_ptr<AwsCredentialSource> shared();

  // The credentials to sign with now, or why there are none (naming the
  // variables, file or endpoint looked at). Thread-safe; never blocks on
  // the network.
  std::expected<AwsCredentials, std::string> current();
  // Which provider: "environment", "web_identity", "file", "assume_role",
  // "process", "container", "instance" or "none".
  std::string_view provider() const;

 private:
  enum class Provider {
    kEnvironment, kWebIdentity, kFile, kAssumeRole, kProcess, kContainer, kInstance, kNone
  };
  std::expected<AwsCredentials, std::string> fromFile();
  // What the profile (AWS_PROFILE or default) gets its credentials from
  // when it has no keys in the credentials file: its credential_process,
  // or a role to assume with its source profile's keys; both empty when
  // neither (then the credentials file, if there is one, is read as
  // before). Or why the profile cannot be used.
  struct ProfileSource {
    std::string process;
    std::string role_arn;
    AwsCredentials source_keys;
    std::string external_id, session_name, region;
  };
  std::expected<ProfileSource, std::string> profileSource() const;
  // One fetch from the container endpoint or the instance metadata
  // service, with when the credentials expire.
  struct Fetched {
    AwsCredentials credentials;
    std::chrono::system_clock::time_point expires;
  };
  std::expected<Fetched, std::string> fetch() const;
  void refreshLoop();

  Provider provider_ = Provider::kNone;
  std::string none_why_;  // kNone: what was looked at
  std::mutex mu_;
  // kFile
  std::filesystem::path file_;
  std::string profile_;
  std::filesystem::file_time_type read_at_{};
  std::expected<AwsCredentials, std::string> from_file_;
  // kWebIdentity, kProcess, kContainer, kInstance
  std::string endpoint_;  // STS, the command, the credentials URL, or IMDS's base
  std::string container_token_, container_token_file_;
  std::string web_token_file_, role_arn_, session_name_;
  // kAssumeRole
  AwsCredentials source_keys_;
  std::string external_id_, sts_region_;
  std::expected<Fetched, std::string> fetched_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread refresher_;
};

// The credentials of `profile` in a shared credentials file's text
// (INI: `[profile]` sections, `key = value` lines, `#`/`;` comments), or
// why not (naming the line or the missing key).
std::expected<AwsCredentials, std::string> parseAwsCredentialsFile(std::string_view text,
                                                                  std::string_view profile);

// The credentials in STS's AssumeRoleWithWebIdentity answer (XML:
// Credentials/AccessKeyId, SecretAccessKey, SessionToken, Expiration), or
// why not (STS's error code and message when it refused).
std::expected<std::pair<AwsCredentials, std::chrono::system_clock::time_point>, std::string>
parseStsCredentialsXml(std::string_view xml);

// The credentials in a container endpoint's or IMDS's JSON answer
// (AccessKeyId, SecretAccessKey, Token, Expiration as ISO 8601 UTC), or why
// not (naming the missing or bad field).
std::expected<std::pair<AwsCredentials, std::chrono::system_clock::time_point>, std::string>
parseAwsCredentialsJson(std::string_view json);

}  // namespace rr::connectors
