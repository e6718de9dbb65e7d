// S3-compatible object storage: MinIO, Ceph RGW, AWS-style endpoints (HTTP, XML). CATALOGUE
// row 34.
//
// What we send: GET / unsigned. It answers ListAllMyBucketsResult (anonymous may list buckets),
// ListBucketResult (the endpoint is a bucket: virtual-host style or a bucket website), or an
// S3 <Error>. For a bucket list, GET /<bucket>?list-type=2&max-keys=1000 for each of the first
// 10 buckets (one page each: KeyCount, IsTruncated, Σ<Size>). No object is ever fetched.
// Open versus auth-required: a listing served unsigned is `open`; <Code>AccessDenied</Code>
// (MinIO and AWS refuse anonymous ListBuckets) is `auth_required`. An S3 error names the
// product through the x-amz-request-id header or Server: MinIO / AmazonS3.
// Evidence: buckets (count and names), listable buckets, keys and bytes on the first pages,
// whether a page was cut (evidence_truncated: the counts are a floor).
// References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html ;
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html ;
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html ; nuclei
// aws-object-listing.
#include "grab/s3/s3.h"

#include <charconv>
#include <string>
#include <vector>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"s3.buckets", FieldType::kInteger, "buckets in ListAllMyBucketsResult"},
    {"s3.listable_buckets", FieldType::kInteger, "buckets whose first page listed unsigned"},
    {"s3.error_code", FieldType::kString, "the S3 <Code> of the refusal"},
    {"s3.http_status", FieldType::kInteger, "status of GET / when it was refused"},
};

constexpr uint16_t kPorts[] = {9000};
constexpr size_t kBucketsListed = 10;
constexpr size_t kMaxBucketName = 63;  // S3 bucket naming rules

// The text of each <tag>...</tag> in order (XML escapes left as they are: names only).
std::vector<std::string_view> tag_values(std::string_view xml, std::string_view tag, size_t max) {
    std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
    std::vector<std::string_view> out;
    size_t at = 0;
    while (out.size() < max && (at = xml.find(open, at)) != std::string_view::npos) {
        at += open.size();
        size_t end = xml.find(close, at);
        if (end == std::string_view::npos) break;
        out.push_back(xml.substr(at, end - at));
        at = end + close.size();
    }
    return out;
}

uint64_t number(std::string_view s) {
    uint64_t n = 0;
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
}

// Bucket names that can go into a path as they are (lower-case letters, digits, '.', '-').
bool plain_bucket(std::string_view name) {
    if (name.size() < 3 || name.size() > kMaxBucketName) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return false;
    return true;
}

// The headers of an S3 server's answers: AWS's request id, MinIO's or AWS's Server.
bool names_s3(const HttpResponse& r) {
    return !r.header("x-amz-request-id").empty() || r.header("server").starts_with("MinIO") ||
           r.header("server").starts_with("AmazonS3");
}

class S3Grabber final : public HttpProductGrabber {
  private:
    HttpRequest request() const override {
        if (step_ == 0) return HttpRequest::get("/", "application/xml");
        return HttpRequest::get("/" + buckets_[step_ - 1] + "?list-type=2&max-keys=1000",
                                "application/xml");
    }

    void write_evidence(Session& s) override {
        summary_.write(s.record());
        if (step_ > 0 && !buckets_.empty()) s.record().set("s3.listable_buckets", listable_);
    }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        if (step_ == 0) return on_root(s, r);
        std::string_view body = r.body;
        if (r.status == 200 && body.find("<ListBucketResult") != std::string_view::npos) {
            ++listable_;
            add_page(s, r);
        }
        if (++step_ > buckets_.size()) return conclude(s);
        return Next::kRead;
    }

    Next on_root(Session& s, const HttpResponse& r) {
        Record& rec = s.record();
        std::string_view body = r.body;
        std::string_view server = r.header("server");
        if (r.status == 200 && body.find("<ListAllMyBucketsResult") != std::string_view::npos) {
            identify(s, server);
            access_ = Access::kOpen;
            summary_.listed();
            auto names = tag_values(body, "Name", kNamesTracked);
            rec.set("s3.buckets", static_cast<uint64_t>(names.size()));
            for (auto n : names) {
                if (buckets_.size() < kBucketsListed && plain_bucket(n)) buckets_.emplace_back(n);
            }
            if (buckets_.empty()) return conclude(s);
            for (auto n : names) summary_.add(n);  // names first; sizes come from the pages
            ++step_;
            return Next::kRead;
        }
        if (r.status == 200 && body.find("<ListBucketResult") != std::string_view::npos) {
            identify(s, server);
            access_ = Access::kOpen;
            summary_.listed();
            add_page(s, r);
            return conclude(s);
        }
        auto code = tag_values(body, "Code", 1);
        if (!names_s3(r) || body.find("<Error>") == std::string_view::npos || code.empty())
            return conclude(s);
        identify(s, server);
        rec.set("s3.error_code", code[0].substr(0, 64));
        rec.set("s3.http_status", static_cast<int64_t>(r.status));
        access_ = code[0] == "AccessDenied" || code[0] == "AllAccessDisabled" ||
                          code[0] == "SignatureDoesNotMatch"
                      ? Access::kAuthRequired
                      : Access::kUnknown;
        return conclude(s);
    }

    void identify(Session& s, std::string_view server) {
        identified_ = true;
        bool minio = server.starts_with("MinIO");
        s.record().set("product", minio                            ? "MinIO"
                                  : server.starts_with("AmazonS3") ? "Amazon S3"
                                                                   : "S3-compatible");
    }

    void add_page(Session& s, const HttpResponse& r) {
        std::string_view body = r.body;
        uint64_t bytes = 0;
        auto sizes = tag_values(body, "Size", 1000);
        for (auto v : sizes) bytes += number(v);
        auto count = tag_values(body, "KeyCount", 1);
        summary_.add_rows(count.empty() ? sizes.size() : number(count[0]));
        summary_.add_bytes(bytes);
        auto truncated = tag_values(body, "IsTruncated", 1);
        if (r.body_truncated || (!truncated.empty() && truncated[0] == "true"))
            s.record().set("evidence_truncated", true);
    }

    size_t step_ = 0;
    std::vector<std::string> buckets_;
    uint64_t listable_ = 0;
    DataSummary summary_;
};

// GET / is this grabber's own first step: an S3 listing, or an S3 server's XML error.
bool might_be_s3(const HttpResponse& r) {
    return r.body.find("<ListAllMyBucketsResult") != std::string::npos ||
           r.body.find("<ListBucketResult") != std::string::npos || names_s3(r);
}

}  // namespace

GrabberSpec s3_spec() {
    GrabberSpec spec{"s3", kPorts,  Transport::kTcp,
                     true, kFields, [] { return std::unique_ptr<Grabber>(new S3Grabber()); }};
    spec.might_be = might_be_s3;
    return spec;
}

}  // namespace sl::grab
